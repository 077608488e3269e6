/** resetPasswordForVirtualMachine: a new password for a stopped VM whose template supports it; async, the result reveals it. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** The command. */
export const resetPasswordForVirtualMachine: CsCommand = {
  name: 'resetPasswordForVirtualMachine',
  description: 'Resets the password for virtual machine. The virtual machine must be in a "Stopped" state and the template must already support this feature for this command to take effect.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: [{ name: 'id', type: 'uuid', required: true, description: 'The ID of the virtual machine' }],
  async handle(core, ctx, p) {
    return job(await core.vmLifecycle.resetPassword(ctx, p.id), p.id);
  },
};
