/** attachVolume and detachVolume: plug a data volume into a VM of the same account and zone, or unplug it. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** attachVolume; libcloud sends `virtualMachineId`. */
export const attachVolume: CsCommand = {
  name: 'attachVolume', description: 'Attaches a disk volume to a virtual machine.', isAsync: true, responseName: 'volume',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'the ID of the disk volume' },
    { name: 'virtualmachineid', type: 'uuid', required: true, description: 'the ID of the virtual machine' },
    { name: 'deviceid', type: 'long', description: 'the device slot (1-15, 3 is the CD-ROM); the lowest free one by default' },
  ],
  async handle(core, ctx, p) {
    return job(await core.volumes.attach(ctx, p.id, p.virtualmachineid, p.deviceid), p.id);
  },
};

/** detachVolume, by id or by virtualmachineid and deviceid. */
export const detachVolume: CsCommand = {
  name: 'detachVolume', description: 'Detaches a disk volume from a virtual machine.', isAsync: true, responseName: 'volume',
  params: [
    { name: 'id', type: 'uuid', description: 'the ID of the disk volume' },
    { name: 'virtualmachineid', type: 'uuid', description: 'the ID of the virtual machine the volume is attached to' },
    { name: 'deviceid', type: 'long', description: 'the device slot of the volume on that virtual machine' },
  ],
  async handle(core, ctx, p) {
    const { taskId, volumeId } = await core.volumes.detach(ctx, { id: p.id, vmId: p.virtualmachineid, deviceId: p.deviceid });
    return job(taskId, volumeId);
  },
};
