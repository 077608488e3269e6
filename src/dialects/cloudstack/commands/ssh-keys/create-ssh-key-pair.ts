/** createSSHKeyPair: a new key pair made by Nube; sync, the only answer that carries the private key. */
import { IGNORED_OWNER, command, param, sync } from '../../command.js';
import { csKeyPair } from '../../views/ssh-key.js';

/** The command. */
export const createSSHKeyPair = command({
  name: 'createSSHKeyPair',
  description: 'Create a new keypair and returns the private key',
  isAsync: false,
  responseName: 'keypair',
  params: { name: param.string('Name of the keypair').required(), ...IGNORED_OWNER },
  async handle(core, ctx, p) {
    const r = await core.sshKeys.create(ctx, p.name);
    return sync({ keypair: csKeyPair(r.key, r.privateKey) });
  },
});
