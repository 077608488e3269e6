/** revertSnapshot: puts a volume back to a snapshot; the volume's VM must be stopped; async, the job result is the `snapshot`. */
import { command, job, param } from '../../command.js';

/** The command. */
export const revertSnapshot = command({
  name: 'revertSnapshot',
  description: 'Reverts a volume to a snapshot.',
  isAsync: true,
  responseName: 'snapshot',
  params: { id: param.uuid('The ID of the snapshot').required() },
  async handle(core, ctx, p) {
    return job((await core.snapshots.revert(ctx, p.id)).taskId, p.id);
  },
});
