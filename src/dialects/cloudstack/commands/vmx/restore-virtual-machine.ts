/** restoreVirtualMachine: rebuilds the root disk from the VM's template or a new one, keeping the power state; async. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** The command. */
export const restoreVirtualMachine: CsCommand = {
  name: 'restoreVirtualMachine',
  description: 'Restore a VM to its original template or a new template keeping its service offering and network configuration.',
  isAsync: true,
  responseKey: 'restorevmresponse',
  responseName: 'virtualmachine',
  params: [
    { name: 'virtualmachineid', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
    { name: 'templateid', type: 'uuid', description: 'An optional ID for a different template to use for the restoration process' },
    { name: 'rootdisksize', type: 'long', description: 'Optional size in gigabyte of the disk' },
  ],
  async handle(core, ctx, p) {
    return job(await core.vmLifecycle.restore(ctx, p.virtualmachineid, p.templateid, p.rootdisksize), p.virtualmachineid);
  },
};
