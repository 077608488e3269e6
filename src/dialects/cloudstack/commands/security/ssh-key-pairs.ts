/** createSSHKeyPair, registerSSHKeyPair, listSSHKeyPairs, deleteSSHKeyPair: the caller's SSH key pairs; all sync. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list, sync } from '../../command.js';
import { csKeyPair } from '../../views/ssh-key.js';

const IGNORED = [
  { name: 'account', type: 'string', description: 'ignored' },
  { name: 'domainid', type: 'uuid', description: 'ignored' },
  { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
] as const;

/** createSSHKeyPair: the only answer that carries the private key. */
export const createSSHKeyPair: CsCommand = {
  name: 'createSSHKeyPair', description: 'Create a new keypair and returns the private key', isAsync: false, responseName: 'keypair',
  params: [{ name: 'name', type: 'string', required: true, description: 'Name of the keypair' }, ...IGNORED],
  async handle(core, ctx, p) {
    const r = await core.sshKeys.create(ctx, p.name);
    return sync({ keypair: csKeyPair(r.key, r.privateKey) });
  },
};

/** registerSSHKeyPair. */
export const registerSSHKeyPair: CsCommand = {
  name: 'registerSSHKeyPair', description: 'Register a public key in a keypair under a certain name', isAsync: false, responseName: 'keypair',
  params: [
    { name: 'name', type: 'string', required: true, description: 'Name of the keypair' },
    { name: 'publickey', type: 'string', required: true, max: 16384, description: 'Public key material of the keypair' },
    ...IGNORED,
  ],
  async handle(core, ctx, p) {
    return sync({ keypair: csKeyPair(await core.sshKeys.register(ctx, p.name, p.publickey)) });
  },
};

/** listSSHKeyPairs. */
export const listSSHKeyPairs: CsCommand = {
  name: 'listSSHKeyPairs', description: 'List registered keypairs', isAsync: false, responseName: 'sshkeypair',
  params: [
    ...LIST_PARAMS,
    { name: 'name', type: 'string', description: 'A key pair name to look for' },
    { name: 'fingerprint', type: 'string', description: 'A public key fingerprint to look for' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
    { name: 'isrecursive', type: 'boolean', description: 'ignored' },
    ...IGNORED,
  ],
  async handle(core, ctx, p) {
    const page = await core.sshKeys.list(ctx, { name: p.name, fingerprint: p.fingerprint, keyword: p.keyword, page: p.page, pageSize: p.pagesize });
    return list('sshkeypair', page.count, page.items.map((k) => csKeyPair(k)));
  },
};

/** deleteSSHKeyPair: `success` as the string "true", as libcloud's delete_key_pair requires. */
export const deleteSSHKeyPair: CsCommand = {
  name: 'deleteSSHKeyPair', description: 'Deletes a keypair by name', isAsync: false, responseName: 'success',
  params: [{ name: 'name', type: 'string', required: true, description: 'Name of the keypair' }, ...IGNORED],
  async handle(core, ctx, p) {
    await core.sshKeys.delete(ctx, p.name);
    return sync({ success: 'true' });
  },
};
