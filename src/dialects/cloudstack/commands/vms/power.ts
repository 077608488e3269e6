/** startVirtualMachine, stopVirtualMachine, rebootVirtualMachine, destroyVirtualMachine: async power commands. */
import { command, job, param } from '../../command.js';

const ID = param.uuid('The ID of the virtual machine').required();

/** startVirtualMachine. */
export const startVirtualMachine = command({
  name: 'startVirtualMachine',
  description: 'Starts a virtual machine.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: { id: ID, rescueprofile: param.string('An optional rescue profile when booting') },
  async handle(core, ctx, p) {
    const r = await core.vms.start(ctx, p.id);
    return job(r.taskId, r.objectId);
  },
});

/** stopVirtualMachine. */
export const stopVirtualMachine = command({
  name: 'stopVirtualMachine',
  description: 'Stops a virtual machine.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: { id: ID, forced: param.boolean('Force stop the VM') },
  async handle(core, ctx, p) {
    const r = await core.vms.stop(ctx, p.id, p.forced === true);
    return job(r.taskId, r.objectId);
  },
});

/** rebootVirtualMachine. */
export const rebootVirtualMachine = command({
  name: 'rebootVirtualMachine',
  description: 'Reboots a virtual machine.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: { id: ID },
  async handle(core, ctx, p) {
    const r = await core.vms.reboot(ctx, p.id);
    return job(r.taskId, r.objectId);
  },
});

/** destroyVirtualMachine. */
export const destroyVirtualMachine = command({
  name: 'destroyVirtualMachine',
  description: 'Destroys a virtual machine. Once destroyed, it cannot be recovered.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: { id: ID, expunge: param.boolean('Expunge the VM immediately (always done)') },
  async handle(core, ctx, p) {
    const r = await core.vms.destroy(ctx, p.id, true);
    return job(r.taskId, r.objectId);
  },
});
