/** listZones: the availability zones. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csPaging } from '../../paging.js';

/** The command. */
export const listZones = command({
  name: 'listZones',
  description: 'Lists zones',
  isAsync: false,
  responseName: 'zone',
  params: {
    ...LIST_PARAMS,
    available: param.boolean('true to list all available zones'),
    id: param.uuid('the ID of the zone'),
    name: param.string('the name of the zone'),
    networktype: param.string('the network type of the zone'),
    showcapacities: param.boolean('flag to display the capacity of the zones'),
  },
  async handle(core, _ctx, p) {
    const page = await core.catalog.findZones(
      { id: p.id, name: p.name, networkType: p.networktype, keyword: p.keyword },
      csPaging(p),
    );
    return list(
      'zone',
      page.count,
      page.items.map((z) => ({
        id: z.id,
        name: z.name,
        description: z.description,
        displaytext: z.description,
        networktype: z.network_type,
        allocationstate: 'Enabled',
        localstorageenabled: true,
        securitygroupsenabled: true,
        zonetoken: z.id.slice(0, 8),
        dhcpprovider: 'VirtualRouter',
        tags: [],
      })),
    );
  },
});
