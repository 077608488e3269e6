/** createVolume: a new data volume from a disk offering (size in GB when custom) or from a snapshot. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** The command; libcloud sends `diskOfferingId` and `zoneId`, which the case-insensitive params accept. */
export const createVolume: CsCommand = {
  name: 'createVolume', description: 'Creates a disk volume from a disk offering or a snapshot.', isAsync: true, responseName: 'volume',
  params: [
    { name: 'name', type: 'string', max: 255, description: 'the name of the disk volume' },
    { name: 'diskofferingid', type: 'uuid', description: 'the ID of the disk offering (required unless snapshotid is given)' },
    { name: 'zoneid', type: 'uuid', description: 'the ID of the availability zone (required unless snapshotid is given)' },
    { name: 'size', type: 'long', description: 'size of the volume in GB, for custom disk offerings' },
    { name: 'snapshotid', type: 'uuid', description: 'the snapshot ID from which the volume is created' },
    { name: 'displayvolume', type: 'boolean', description: 'ignored: every volume is displayed' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ],
  async handle(core, ctx, p) {
    const { volume, taskId } = await core.volumes.create(ctx, {
      name: p.name, diskOfferingId: p.diskofferingid, zoneId: p.zoneid, sizeGb: p.size, snapshotId: p.snapshotid,
    });
    return job(taskId, volume.id);
  },
};
