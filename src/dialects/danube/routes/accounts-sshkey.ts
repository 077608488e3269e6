/**
 * /accounts/user/(username)/sshkey/: the SSH keys of the user's account, the same keys every dialect lists (CloudStack's
 * key pairs); a title is a key pair name.
 */
import type { SshKeyView } from '../../../core/ssh-keys/service.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, ok } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { withFields } from './accounts-fields.js';

/** A key as Danube shows it. */
function keyView(k: SshKeyView) {
  return { title: k.name, key: k.publicKey, fingerprint: k.fingerprint };
}

/** The keys of the named user's account with the context acting in it. */
async function keysOf(q: DanubeRequest, title?: string) {
  const ctx = await q.core.users.accountContext(q.ctx, q.params.username!);
  const page = await q.core.sshKeys.list(ctx, title === undefined ? {} : { name: title });
  return { ctx, keys: page.items };
}

/** Answers Danube's text for a title that exists. */
function keyExists(err: unknown): never {
  if (err instanceof CoreError && err.kind === 'Conflict' && err.reason === 'exists')
    throw apiError(406, 'Object already exists');
  throw err;
}

/** Registers the SSH key routes. */
export function accountSshKeyRoutes(r: DanubeRouter): void {
  r.get(
    '/accounts/user/:username/sshkey/',
    async (q) => {
      const views = sortBy(q, (await keysOf(q)).keys.map(keyView), ['title'], 'title');
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.title));
    },
    "The titles of the SSH keys of the user's account (full=true: with keys and fingerprints).",
  );
  r.get(
    '/accounts/user/:username/sshkey/:title/',
    async (q) => {
      const { keys } = await keysOf(q, q.params.title!);
      if (keys.length === 0) throw apiError(404, 'SSH key not found');
      return ok(q, keyView(keys[0]!));
    },
    'One SSH key.',
  );
  r.post(
    '/accounts/user/:username/sshkey/:title/',
    async (q) => {
      const p = readParams(q, { key: { type: 'str', required: true, maxLength: 65536 } });
      const { ctx } = await keysOf(q, q.params.title!);
      const made = await withFields(q, () => q.core.sshKeys.register(ctx, q.params.title!, p.key!)).catch(keyExists);
      return ok(q, keyView(made.key), { status: 201, taskId: made.receipt.taskId });
    },
    'Adds an OpenSSH public key (key) under a title; 406 when the title exists.',
  );
  r.put(
    '/accounts/user/:username/sshkey/:title/',
    async () => {
      throw apiError(501, 'Operation not supported');
    },
    'Not supported: delete the key and add a new one.',
  );
  r.delete(
    '/accounts/user/:username/sshkey/:title/',
    async (q) => {
      const { ctx, keys } = await keysOf(q, q.params.title!);
      if (keys.length === 0) throw apiError(404, 'SSH key not found');
      const receipt = await q.core.sshKeys.delete(ctx, q.params.title!);
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Deletes an SSH key; VMs deployed with it keep it.',
  );
}
