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
    return job(await core.vms.start(ctx, p.id), p.id);
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
    return job(await core.vms.stop(ctx, p.id, p.forced === true), p.id);
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
    return job(await core.vms.reboot(ctx, p.id), p.id);
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
    return job(await core.vms.destroy(ctx, p.id, true), p.id);
  },
});
