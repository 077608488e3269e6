/** resetSSHKeyForVirtualMachine: puts another key pair on a stopped VM; async, job result `virtualmachine`. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** The command. */
export const resetSSHKeyForVirtualMachine: CsCommand = {
  name: 'resetSSHKeyForVirtualMachine', description: 'Resets the SSH Key for virtual machine. The virtual machine must be in a "Stopped" state.',
  isAsync: true, responseName: 'virtualmachine',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
    { name: 'keypair', type: 'string', required: true, description: 'name of the ssh key pair used to login to the virtual machine' },
    { name: 'account', type: 'string', description: 'ignored' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ],
  async handle(core, ctx, p) {
    return job(await core.sshKeys.resetForVm(ctx, p.id, p.keypair), p.id);
  },
};
