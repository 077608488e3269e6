/** listZones: the availability zones. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { matchesKeyword, paginate } from '../../../../core/catalog/service.js';

/** The command. */
export const listZones = command({
  name: 'listZones', description: 'Lists zones', isAsync: false, responseName: 'zone',
  params: {
    ...LIST_PARAMS,
    available: param.boolean('true to list all available zones'),
    id: param.uuid('the ID of the zone'),
    name: param.string('the name of the zone'),
    networktype: param.string('the network type of the zone'),
    showcapacities: param.boolean('flag to display the capacity of the zones'),
  },
  async handle(core, _ctx, p) {
    const zones = (await core.catalog.listZones()).filter((z) => (!p.id || z.id === p.id) && (!p.name || z.name === p.name)
      && (!p.networktype || z.network_type.toLowerCase() === p.networktype.toLowerCase()) && matchesKeyword(p.keyword, z.name, z.description));
    const page = paginate(zones, { page: p.page, pageSize: p.pagesize });
    return list('zone', page.count, page.items.map((z) => ({
      id: z.id, name: z.name, description: z.description, displaytext: z.description, networktype: z.network_type,
      allocationstate: 'Enabled', localstorageenabled: true, securitygroupsenabled: true, zonetoken: z.id.slice(0, 8),
      dhcpprovider: 'VirtualRouter', tags: [],
    })));
  },
});
