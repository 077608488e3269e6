/** resetSSHKeyForVirtualMachine: puts another key pair on a stopped VM; async, job result `virtualmachine`. */
import { IGNORED_OWNER, command, job, param } from '../../command.js';

/** The command. */
export const resetSSHKeyForVirtualMachine = command({
  name: 'resetSSHKeyForVirtualMachine',
  description: 'Resets the SSH Key for virtual machine. The virtual machine must be in a "Stopped" state.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    id: param.uuid('The ID of the virtual machine').required(),
    keypair: param.string('name of the ssh key pair used to login to the virtual machine').required(),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    return job((await core.sshKeys.resetForVm(ctx, p.id, p.keypair)).taskId, p.id);
  },
});
