/** createTags, deleteTags, listTags: key/value tags on the caller's resources. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, job, list } from '../../command.js';
import { csTag } from '../../views/tag.js';
import { tagMatches, tagPairs } from './tag-params.js';

/** createTags. */
export const createTags: CsCommand = {
  name: 'createTags', description: 'Creates resource tag(s)', isAsync: true,
  params: [
    { name: 'resourceids', type: 'list', required: true, description: 'list of resources to create the tags for' },
    { name: 'resourcetype', type: 'string', required: true, description: 'type of the resource (UserVm, Volume, Snapshot, ...)', max: 64 },
    { name: 'tags', type: 'map', required: true, description: 'Map of tags (key/value pairs)' },
    { name: 'customer', type: 'string', description: 'identifies client specific tag', max: 255 },
  ],
  async handle(core, ctx, p) {
    const ids = p.resourceids as string[];
    return job(await core.tags.create(ctx, { resourceIds: ids, resourceType: p.resourcetype, tags: tagPairs(p.tags), customer: p.customer }));
  },
};

/** deleteTags. */
export const deleteTags: CsCommand = {
  name: 'deleteTags', description: 'Deleting resource tag(s)', isAsync: true,
  params: [
    { name: 'resourceids', type: 'list', required: true, description: 'Delete tags for resource id(s)' },
    { name: 'resourcetype', type: 'string', required: true, description: 'Delete tag by resource type', max: 64 },
    { name: 'tags', type: 'map', description: 'Delete tags matching key/value pairs (all tags when absent)' },
  ],
  async handle(core, ctx, p) {
    return job(await core.tags.delete(ctx, { resourceIds: p.resourceids, resourceType: p.resourcetype, tags: tagMatches(p.tags) }));
  },
};

/** listTags. */
export const listTags: CsCommand = {
  name: 'listTags', description: 'List resource tag(s)', isAsync: false, responseName: 'tag',
  params: [
    ...LIST_PARAMS,
    { name: 'resourceid', type: 'string', description: 'list by resource id', max: 255 },
    { name: 'resourcetype', type: 'string', description: 'list by resource type', max: 64 },
    { name: 'key', type: 'string', description: 'list by key', max: 255 },
    { name: 'value', type: 'string', description: 'list by value', max: 255 },
    { name: 'customer', type: 'string', description: 'list by customer name', max: 255 },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const page = await core.tags.list(ctx, {
      resourceId: p.resourceid, resourceType: p.resourcetype, key: p.key, value: p.value, customer: p.customer,
      keyword: p.keyword, page: p.page, pageSize: p.pagesize,
    });
    return list('tag', page.count, page.items.map(csTag));
  },
};
