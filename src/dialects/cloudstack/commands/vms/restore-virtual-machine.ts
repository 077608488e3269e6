/** restoreVirtualMachine: rebuilds the root disk from the VM's template or a new one, keeping the power state; async. */
import { command, job, param } from '../../command.js';

/** The command. */
export const restoreVirtualMachine = command({
  name: 'restoreVirtualMachine',
  description:
    'Restore a VM to its original template or a new template keeping its service offering and network configuration.',
  isAsync: true,
  responseKey: 'restorevmresponse',
  responseName: 'virtualmachine',
  params: {
    virtualmachineid: param.uuid('The ID of the virtual machine').required(),
    templateid: param.uuid('An optional ID for a different template to use for the restoration process'),
    rootdisksize: param.long('Optional size in gigabyte of the disk'),
  },
  async handle(core, ctx, p) {
    const r = await core.vms.restore(ctx, p.virtualmachineid, p.templateid, p.rootdisksize);
    return job(r.taskId, r.objectId);
  },
});
