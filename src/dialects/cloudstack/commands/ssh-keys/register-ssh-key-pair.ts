/** registerSSHKeyPair: stores the caller's own public key under a name; sync. */
import { IGNORED_OWNER, command, param, sync } from '../../command.js';
import { csKeyPair } from '../../views/ssh-key.js';

/** The command. */
export const registerSSHKeyPair = command({
  name: 'registerSSHKeyPair',
  description: 'Register a public key in a keypair under a certain name',
  isAsync: false,
  responseName: 'keypair',
  params: {
    name: param.string('Name of the keypair').required(),
    publickey: param.string('Public key material of the keypair').required().maxLength(16384),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    const { key } = await core.sshKeys.register(ctx, p.name, p.publickey);
    return sync({ keypair: csKeyPair(key) });
  },
});
