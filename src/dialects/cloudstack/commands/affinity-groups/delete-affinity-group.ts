/** deleteAffinityGroup: CloudStack's generic delete of an affinity group by id or name; async, job result `success`. */
import { IGNORED_OWNER, command, job, param } from '../../command.js';

/** The command. */
export const deleteAffinityGroup = command({
  name: 'deleteAffinityGroup',
  description: 'Deletes affinity group',
  isAsync: true,
  responseName: 'success',
  params: {
    id: param.uuid('The ID of the affinity group. Mutually exclusive with name parameter'),
    name: param.string('The name of the affinity group. Mutually exclusive with ID parameter'),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    return job((await core.affinity.delete(ctx, { id: p.id, name: p.name })).taskId);
  },
});
