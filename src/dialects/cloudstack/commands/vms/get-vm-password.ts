/** getVMPassword: the VM's password encrypted with its SSH key pair, as real CloudStack answers it. */
import { command, param, sync } from '../../command.js';

/** The command; the answer is CloudStack's `{password: {encryptedpassword}}` (seed 004 abbreviates it to a string). */
export const getVMPassword = command({
  name: 'getVMPassword',
  description: 'Returns an encrypted password for the VM.',
  isAsync: false,
  responseName: 'password',
  params: { id: param.uuid('The ID of the virtual machine').required() },
  async handle(core, ctx, p) {
    return sync({ password: { encryptedpassword: await core.vms.encryptedPassword(ctx, p.id) } });
  },
});
