/** listDiskOfferings and listOsTypes: the remaining catalog lists. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { matchesKeyword, paginate } from '../../../../core/catalog/service.js';
import { csDate } from '../../views/common.js';

const GIB = 1024 ** 3;

/** listDiskOfferings. */
export const listDiskOfferings: CsCommand = {
  name: 'listDiskOfferings', description: 'Lists all available disk offerings.', isAsync: false, responseName: 'diskoffering',
  params: [...LIST_PARAMS, { name: 'id', type: 'uuid', description: 'ID of the disk offering' }, { name: 'name', type: 'string', description: 'name of the disk offering' }, { name: 'zoneid', type: 'uuid', description: 'ignored: offerings are global' }],
  async handle(core, _ctx, p) {
    const all = (await core.catalog.listDiskOfferings()).filter((o) => (!p.id || o.id === p.id) && (!p.name || o.name === p.name) && matchesKeyword(p.keyword, o.name, o.display_text));
    const page = paginate(all, { page: p.page, pageSize: p.pagesize });
    return list('diskoffering', page.count, page.items.map((o) => ({
      id: o.id, name: o.name, displaytext: o.display_text, disksize: Math.round(Number(o.disk_size) / GIB), iscustomized: o.customized === 1,
      created: csDate(o.created_at), storagetype: 'local', provisioningtype: 'thin', displayoffering: true,
    })));
  },
};

/** listOsTypes. */
export const listOsTypes: CsCommand = {
  name: 'listOsTypes', description: 'Lists all supported OS types.', isAsync: false, responseName: 'ostype',
  params: [...LIST_PARAMS, { name: 'id', type: 'uuid', description: 'list by OS type id' }, { name: 'description', type: 'string', description: 'list by description' }, { name: 'oscategoryid', type: 'uuid', description: 'list by category' }],
  async handle(core, _ctx, p) {
    const all = (await core.catalog.listOsTypes()).filter((o) => (!p.id || o.id === p.id) && (!p.description || o.description === p.description)
      && (!p.oscategoryid || o.category_id === p.oscategoryid) && matchesKeyword(p.keyword, o.description));
    const page = paginate(all, { page: p.page, pageSize: p.pagesize });
    return list('ostype', page.count, page.items.map((o) => ({ id: o.id, description: o.description, oscategoryid: o.category_id, isuserdefined: false })));
  },
};
