/** listServiceOfferings: the VM sizes. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csPaging } from '../../paging.js';
import { parseJson } from '../../../../lib/util.js';
import { csDate } from '../../views/common.js';

/** The command. */
export const listServiceOfferings = command({
  name: 'listServiceOfferings',
  description: 'Lists all available service offerings.',
  isAsync: false,
  responseName: 'serviceoffering',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('ID of the service offering'),
    name: param.string('name of the service offering'),
    virtualmachineid: param.uuid('list offerings a virtual machine can be changed to'),
    issystem: param.boolean('ignored: no system offerings are listed'),
  },
  async handle(core, ctx, p) {
    let exclude: string | undefined;
    if (p.virtualmachineid) exclude = (await core.vms.get(ctx, p.virtualmachineid)).offeringId;
    const page = await core.catalog.findServiceOfferings(
      { id: p.id, name: p.name, keyword: p.keyword, excludeId: exclude },
      csPaging(p),
    );
    return list(
      'serviceoffering',
      page.count,
      page.items.map((o) => ({
        id: o.id,
        name: o.name,
        displaytext: o.display_text,
        cpunumber: Number(o.cpu_number),
        cpuspeed: Number(o.cpu_speed),
        memory: Number(o.memory),
        authorized: o.authorized === 1,
        created: csDate(o.created_at),
        defaultuse: false,
        iscustomized: false,
        issystem: false,
        isvolatile: false,
        limitcpuuse: false,
        offerha: false,
        storagetype: 'local',
        hosttags: o.host_tags ?? undefined,
        serviceofferingdetails: parseJson(o.details, undefined),
      })),
    );
  },
});
