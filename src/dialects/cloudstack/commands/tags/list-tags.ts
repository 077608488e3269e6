/** listTags: the tags on the caller's resources, filtered and paged. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csTag } from '../../views/tag.js';

/** The command. */
export const listTags = command({
  name: 'listTags',
  description: 'List resource tag(s)',
  isAsync: false,
  responseName: 'tag',
  params: {
    ...LIST_PARAMS,
    resourceid: param.string('list by resource id').maxLength(255),
    resourcetype: param.string('list by resource type').maxLength(64),
    key: param.string('list by key').maxLength(255),
    value: param.string('list by value').maxLength(255),
    customer: param.string('list by customer name').maxLength(255),
    projectid: param.uuid('ignored: Nube has no projects'),
    listall: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const page = await core.tags.list(ctx, {
      resourceId: p.resourceid,
      resourceType: p.resourcetype,
      key: p.key,
      value: p.value,
      customer: p.customer,
      keyword: p.keyword,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('tag', page.count, page.items.map(csTag));
  },
});
