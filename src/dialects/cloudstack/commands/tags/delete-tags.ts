/** deleteTags: removes tags (all, or those matching key/value pairs) from some of the caller's resources; async. */
import { command, job, param } from '../../command.js';
import { tagMatches } from '../../tag-params.js';

/** The command. */
export const deleteTags = command({
  name: 'deleteTags',
  description: 'Deleting resource tag(s)',
  isAsync: true,
  params: {
    resourceids: param.list('Delete tags for resource id(s)').required(),
    resourcetype: param.string('Delete tag by resource type').required().maxLength(64),
    tags: param.map<'key' | 'value'>('Delete tags matching key/value pairs (all tags when absent)'),
  },
  async handle(core, ctx, p) {
    const { taskId } = await core.tags.delete(ctx, {
      resourceIds: p.resourceids,
      resourceType: p.resourcetype,
      tags: tagMatches(p.tags),
    });
    return job(taskId);
  },
});
