/** createTags: key/value tags on some of the caller's resources of one type; async. */
import { command, job, param } from '../../command.js';
import { tagPairs } from '../../tag-params.js';

/** The command. */
export const createTags = command({
  name: 'createTags',
  description: 'Creates resource tag(s)',
  isAsync: true,
  params: {
    resourceids: param.list('list of resources to create the tags for').required(),
    resourcetype: param.string('type of the resource (UserVm, Volume, Snapshot, ...)').required().maxLength(64),
    tags: param.map<'key' | 'value'>('Map of tags (key/value pairs)').required(),
    customer: param.string('identifies client specific tag').maxLength(255),
  },
  async handle(core, ctx, p) {
    const { taskId } = await core.tags.create(ctx, {
      resourceIds: p.resourceids,
      resourceType: p.resourcetype,
      tags: tagPairs(p.tags),
      customer: p.customer,
    });
    return job(taskId);
  },
});
