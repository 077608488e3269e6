/** listOsTypes: the guest OS types templates name. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { matchesKeyword, paginate } from '../../../../core/catalog/service.js';

/** The command. */
export const listOsTypes = command({
  name: 'listOsTypes', description: 'Lists all supported OS types.', isAsync: false, responseName: 'ostype',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('list by OS type id'),
    description: param.string('list by description'),
    oscategoryid: param.uuid('list by category'),
  },
  async handle(core, _ctx, p) {
    const all = (await core.catalog.listOsTypes()).filter((o) => (!p.id || o.id === p.id) && (!p.description || o.description === p.description)
      && (!p.oscategoryid || o.category_id === p.oscategoryid) && matchesKeyword(p.keyword, o.description));
    const page = paginate(all, { page: p.page, pageSize: p.pagesize });
    return list('ostype', page.count, page.items.map((o) => ({ id: o.id, description: o.description, oscategoryid: o.category_id, isuserdefined: false })));
  },
});
