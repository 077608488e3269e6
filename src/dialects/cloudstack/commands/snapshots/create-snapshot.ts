/** createSnapshot: an instant manual snapshot of a volume; async, the job result is the `snapshot`. */
import { command, job, param } from '../../command.js';

/** The command. */
export const createSnapshot = command({
  name: 'createSnapshot',
  description: 'Creates an instant snapshot of a volume.',
  isAsync: true,
  responseName: 'snapshot',
  params: {
    volumeid: param.uuid('The ID of the disk volume').required(),
    name: param.string('the name of the snapshot (default <vm>_<volume>_<timestamp>)').maxLength(255),
    quiescevm: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const { taskId, objectId } = await core.snapshots.create(ctx, p.volumeid, p.name);
    return job(taskId, objectId);
  },
});
