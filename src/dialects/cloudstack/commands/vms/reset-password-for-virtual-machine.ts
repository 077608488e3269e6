/** resetPasswordForVirtualMachine: a new password for a stopped VM whose template supports it; async, the result reveals it. */
import { command, job, param } from '../../command.js';

/** The command. */
export const resetPasswordForVirtualMachine = command({
  name: 'resetPasswordForVirtualMachine',
  description:
    'Resets the password for virtual machine. The virtual machine must be in a "Stopped" state and the template must already support this feature for this command to take effect.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: { id: param.uuid('The ID of the virtual machine').required() },
  async handle(core, ctx, p) {
    const r = await core.vms.resetPassword(ctx, p.id);
    return job(r.taskId, r.objectId);
  },
});
