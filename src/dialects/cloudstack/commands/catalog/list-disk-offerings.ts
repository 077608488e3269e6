/** listDiskOfferings: the sizes of data volumes. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csPaging } from '../../paging.js';
import { csDate } from '../../views/common.js';

const GIB = 1024 ** 3;

/** The command. */
export const listDiskOfferings = command({
  name: 'listDiskOfferings',
  description: 'Lists all available disk offerings.',
  isAsync: false,
  responseName: 'diskoffering',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('ID of the disk offering'),
    name: param.string('name of the disk offering'),
    zoneid: param.uuid('ignored: offerings are global'),
  },
  async handle(core, _ctx, p) {
    const page = await core.catalog.findDiskOfferings({ id: p.id, name: p.name, keyword: p.keyword }, csPaging(p));
    return list(
      'diskoffering',
      page.count,
      page.items.map((o) => ({
        id: o.id,
        name: o.name,
        displaytext: o.display_text,
        disksize: Math.round(Number(o.disk_size) / GIB),
        iscustomized: o.customized === 1,
        created: csDate(o.created_at),
        storagetype: 'local',
        provisioningtype: 'thin',
        displayoffering: true,
      })),
    );
  },
});
