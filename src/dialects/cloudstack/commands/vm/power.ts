/** startVirtualMachine, stopVirtualMachine, rebootVirtualMachine, destroyVirtualMachine: async power commands. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

const ID = { name: 'id', type: 'uuid', required: true, description: 'The ID of the virtual machine' } as const;

/** startVirtualMachine. */
export const startVirtualMachine: CsCommand = {
  name: 'startVirtualMachine', description: 'Starts a virtual machine.', isAsync: true, responseName: 'virtualmachine',
  params: [ID, { name: 'rescueprofile', type: 'string', description: 'An optional rescue profile when booting' }],
  async handle(core, ctx, p) { return job(await core.vmLifecycle.start(ctx, p.id), p.id); },
};

/** stopVirtualMachine. */
export const stopVirtualMachine: CsCommand = {
  name: 'stopVirtualMachine', description: 'Stops a virtual machine.', isAsync: true, responseName: 'virtualmachine',
  params: [ID, { name: 'forced', type: 'boolean', description: 'Force stop the VM' }],
  async handle(core, ctx, p) { return job(await core.vmLifecycle.stop(ctx, p.id, p.forced === true), p.id); },
};

/** rebootVirtualMachine. */
export const rebootVirtualMachine: CsCommand = {
  name: 'rebootVirtualMachine', description: 'Reboots a virtual machine.', isAsync: true, responseName: 'virtualmachine',
  params: [ID],
  async handle(core, ctx, p) { return job(await core.vmLifecycle.reboot(ctx, p.id), p.id); },
};

/** destroyVirtualMachine. */
export const destroyVirtualMachine: CsCommand = {
  name: 'destroyVirtualMachine', description: 'Destroys a virtual machine. Once destroyed, it cannot be recovered.', isAsync: true,
  responseName: 'virtualmachine',
  params: [ID, { name: 'expunge', type: 'boolean', description: 'Expunge the VM immediately (always done)' }],
  async handle(core, ctx, p) { return job(await core.vmLifecycle.destroy(ctx, p.id, true), p.id); },
};
