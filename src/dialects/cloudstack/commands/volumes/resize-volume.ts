/** resizeVolume: grows a volume to a size in GB or to another disk offering's size. */
import { command, job, param } from '../../command.js';

/** The command; shrinking is refused. */
export const resizeVolume = command({
  name: 'resizeVolume',
  description: 'Resizes a volume.',
  isAsync: true,
  responseName: 'volume',
  params: {
    id: param.uuid('the ID of the disk volume').required(),
    size: param.long('new volume size in GB'),
    diskofferingid: param.uuid('new disk offering id'),
    shrinkok: param.boolean('ignored: volumes only grow'),
  },
  async handle(core, ctx, p) {
    const r = await core.volumes.resize(ctx, p.id, { sizeGb: p.size, diskOfferingId: p.diskofferingid });
    return job(r.taskId, r.objectId);
  },
});
