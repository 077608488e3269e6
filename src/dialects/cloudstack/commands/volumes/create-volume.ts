/** createVolume: a new data volume from a disk offering (size in GB when custom) or from a snapshot. */
import { command, job, param } from '../../command.js';

/** The command; libcloud sends `diskOfferingId` and `zoneId`, which the case-insensitive params accept. */
export const createVolume = command({
  name: 'createVolume',
  description: 'Creates a disk volume from a disk offering or a snapshot.',
  isAsync: true,
  responseName: 'volume',
  params: {
    name: param.string('the name of the disk volume').maxLength(255),
    diskofferingid: param.uuid('the ID of the disk offering (required unless snapshotid is given)'),
    zoneid: param.uuid('the ID of the availability zone (required unless snapshotid is given)'),
    size: param.long('size of the volume in GB, for custom disk offerings'),
    snapshotid: param.uuid('the snapshot ID from which the volume is created'),
    displayvolume: param.boolean('ignored: every volume is displayed'),
    projectid: param.uuid('ignored: Nube has no projects'),
  },
  async handle(core, ctx, p) {
    const receipt = await core.volumes.create(ctx, {
      name: p.name,
      diskOfferingId: p.diskofferingid,
      zoneId: p.zoneid,
      sizeGb: p.size,
      snapshotId: p.snapshotid,
    });
    return job(receipt.taskId, receipt.objectId);
  },
});
