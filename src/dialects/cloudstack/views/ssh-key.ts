/** An SSH key pair as CloudStack's `keypair` / `sshkeypair` object. */
import type { SshKeyView } from '../../../core/ssh-keys/service.js';

/** The key pair object; the private key only in createSSHKeyPair's answer. */
export function csKeyPair(k: SshKeyView, privateKey?: string): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    fingerprint: k.fingerprint,
    account: k.accountName,
    domain: 'ROOT',
    privatekey: privateKey,
  };
}
