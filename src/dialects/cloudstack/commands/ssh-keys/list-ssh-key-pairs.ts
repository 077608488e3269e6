/** listSSHKeyPairs: the caller's key pairs by name or fingerprint, paged; sync. */
import { IGNORED_OWNER, LIST_PARAMS, command, list, param } from '../../command.js';
import { csKeyPair } from '../../views/ssh-key.js';

/** The command. */
export const listSSHKeyPairs = command({
  name: 'listSSHKeyPairs',
  description: 'List registered keypairs',
  isAsync: false,
  responseName: 'sshkeypair',
  params: {
    ...LIST_PARAMS,
    name: param.string('A key pair name to look for'),
    fingerprint: param.string('A public key fingerprint to look for'),
    listall: param.boolean('ignored'),
    isrecursive: param.boolean('ignored'),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    const page = await core.sshKeys.list(ctx, {
      name: p.name,
      fingerprint: p.fingerprint,
      keyword: p.keyword,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list(
      'sshkeypair',
      page.count,
      page.items.map((k) => csKeyPair(k)),
    );
  },
});
