/** deleteSSHKeyPair: removes one of the caller's key pairs by name; sync. */
import { IGNORED_OWNER, command, param, sync } from '../../command.js';

/** The command; `success` as the string "true", as libcloud's delete_key_pair requires. */
export const deleteSSHKeyPair = command({
  name: 'deleteSSHKeyPair',
  description: 'Deletes a keypair by name',
  isAsync: false,
  responseName: 'success',
  params: { name: param.string('Name of the keypair').required(), ...IGNORED_OWNER },
  async handle(core, ctx, p) {
    await core.sshKeys.delete(ctx, p.name);
    return sync({ success: 'true' });
  },
});
