/** listOsTypes: the guest OS types templates name. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csPaging } from '../../paging.js';

/** The command. */
export const listOsTypes = command({
  name: 'listOsTypes',
  description: 'Lists all supported OS types.',
  isAsync: false,
  responseName: 'ostype',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('list by OS type id'),
    description: param.string('list by description'),
    oscategoryid: param.uuid('list by category'),
  },
  async handle(core, _ctx, p) {
    const page = await core.catalog.findOsTypes(
      { id: p.id, description: p.description, categoryId: p.oscategoryid, keyword: p.keyword },
      csPaging(p),
    );
    return list(
      'ostype',
      page.count,
      page.items.map((o) => ({
        id: o.id,
        description: o.description,
        oscategoryid: o.category_id,
        isuserdefined: false,
      })),
    );
  },
});
