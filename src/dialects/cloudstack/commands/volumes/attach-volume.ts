/** attachVolume and detachVolume: plug a data volume into a VM of the same account and zone, or unplug it. */
import { command, job, param } from '../../command.js';

/** attachVolume; libcloud sends `virtualMachineId`. */
export const attachVolume = command({
  name: 'attachVolume',
  description: 'Attaches a disk volume to a virtual machine.',
  isAsync: true,
  responseName: 'volume',
  params: {
    id: param.uuid('the ID of the disk volume').required(),
    virtualmachineid: param.uuid('the ID of the virtual machine').required(),
    deviceid: param.long('the device slot (1-15, 3 is the CD-ROM); the lowest free one by default'),
  },
  async handle(core, ctx, p) {
    const r = await core.volumes.attach(ctx, p.id, p.virtualmachineid, p.deviceid);
    return job(r.taskId, r.objectId);
  },
});

/** detachVolume, by id or by virtualmachineid and deviceid. */
export const detachVolume = command({
  name: 'detachVolume',
  description: 'Detaches a disk volume from a virtual machine.',
  isAsync: true,
  responseName: 'volume',
  params: {
    id: param.uuid('the ID of the disk volume'),
    virtualmachineid: param.uuid('the ID of the virtual machine the volume is attached to'),
    deviceid: param.long('the device slot of the volume on that virtual machine'),
  },
  async handle(core, ctx, p) {
    const r = await core.volumes.detach(ctx, {
      id: p.id,
      vmId: p.virtualmachineid,
      deviceId: p.deviceid,
    });
    return job(r.taskId, r.objectId);
  },
});
