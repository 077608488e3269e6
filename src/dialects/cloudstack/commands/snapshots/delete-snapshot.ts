/** deleteSnapshot: removes a snapshot; async, the job result is `{success: true}`. */
import { command, job, param } from '../../command.js';

/** The command. */
export const deleteSnapshot = command({
  name: 'deleteSnapshot',
  description: 'Deletes a snapshot.',
  isAsync: true,
  responseName: 'success',
  params: { id: param.uuid('The ID of the snapshot').required() },
  async handle(core, ctx, p) {
    return job((await core.snapshots.delete(ctx, p.id)).taskId, p.id);
  },
});
