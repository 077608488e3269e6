/** SshKeyService: the caller's SSH key pairs (public halves only; a generated private key is returned once and never stored). */
import { isUniqueViolation } from '../../store/db.js';
import type { SshKeyRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso, randomToken } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import type { Q } from '../../store/db.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { generateKeyPair, parsePublicKey } from './crypto.js';
import { countedPage } from '../../store/page.js';

/** A stored key pair as every dialect may show it. */
export interface SshKeyView {
  id: string;
  name: string;
  fingerprint: string;
  publicKey: string;
  accountName: string;
  created: string;
}

/** Filters of a key pair list. */
export interface SshKeyFilter {
  name?: string;
  fingerprint?: string;
  keyword?: string;
  page?: number;
  pageSize?: number;
}

const MAX_NAME = 255;
const OBJECT = 'ssh key pair';

/** Checks a key pair name: non-empty, printable, at most 255 characters. */
function checkKeyName(name: string): string {
  const n = typeof name === 'string' ? name : '';
  if (n.trim() === '') throw invalid('The key pair name must not be empty', 'name');
  if (n.length > MAX_NAME) throw invalid(`The key pair name must be at most ${MAX_NAME} characters`, 'name');
  if (/[\x00-\x1f\x7f]/.test(n)) throw invalid('The key pair name must not contain control characters', 'name');
  return n;
}

/** Creates, registers, lists and deletes key pairs, and changes the key pair of a stopped VM. */
export class SshKeyService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the caller's key pairs (ordered by name) and the total count. */
  async list(ctx: CallContext, f: SshKeyFilter = {}): Promise<Page<SshKeyView>> {
    let q = this.deps.store.db.selectFrom('ssh_keys').where('account_id', '=', ctx.accountId);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.fingerprint) q = q.where('fingerprint', '=', f.fingerprint.trim().toLowerCase());
    if (f.keyword) q = q.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${f.keyword!.toLowerCase()}%`));
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('name').orderBy('id'), f);
    return { count, items: rows.map((r) => view(r, ctx)) };
  }

  /** The ids of the caller's keys with these names, by name: what a VM's view shows of the key it was made with (so reading a VM,
   * not the keys, is the permission it needs). */
  async idsByName(ctx: CallContext, names: readonly string[]): Promise<Map<string, string>> {
    if (!names.length) return new Map();
    const rows = await this.deps.store.db
      .selectFrom('ssh_keys')
      .select(['id', 'name'])
      .where('account_id', '=', ctx.accountId)
      .where('name', 'in', [...names])
      .execute();
    return new Map(rows.map((r) => [r.name, r.id]));
  }

  /** Generates an RSA key pair, stores its public half and returns the private key this one time. */
  async create(ctx: CallContext, name: string): Promise<{ receipt: TaskReceipt; key: SshKeyView; privateKey: string }> {
    const n = checkKeyName(name);
    await this.assertFree(this.deps.store.db, ctx, n);
    const kp = await generateKeyPair(n);
    return { ...(await this.insert(ctx, n, kp.fingerprint, kp.publicKey, 'create')), privateKey: kp.privateKey };
  }

  /** One of the caller's key pairs by id; another account's is NotFound. */
  async get(ctx: CallContext, id: string): Promise<SshKeyView> {
    const row = await this.deps.store.db
      .selectFrom('ssh_keys')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(OBJECT, undefined, 'object');
    return view(row, ctx);
  }

  /** Stores a user's OpenSSH public key under a name; anything but a valid key is Invalid. */
  async register(
    ctx: CallContext,
    name: string,
    publicKey: string,
  ): Promise<{ receipt: TaskReceipt; key: SshKeyView }> {
    const n = checkKeyName(name);
    if (typeof publicKey !== 'string' || publicKey.trim() === '')
      throw invalid('The public key must not be empty', 'publicKey');
    const parsed = parsePublicKey(publicKey);
    return this.insert(ctx, n, parsed.fingerprint, parsed.normalized, 'register');
  }

  /** Deletes a key pair by name; VMs deployed with it keep their name reference. */
  async delete(ctx: CallContext, name: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await trx
        .selectFrom('ssh_keys')
        .select(['id', 'name'])
        .where('account_id', '=', ctx.accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (!row) throw notFound(OBJECT, name, 'object');
      await trx.deleteFrom('ssh_keys').where('id', '=', row.id).execute();
      return recordSyncChange(trx, { objectType: OBJECT, objectId: row.id, ctx, payload: { action: 'delete', name } });
    });
  }

  /** Sets another key pair on a stopped VM; a password-enabled VM also gets a new password, revealed once by the job. */
  async resetForVm(ctx: CallContext, vmId: string, sshKeyName: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const vm = await trx
        .selectFrom('vms')
        .selectAll()
        .where('id', '=', vmId)
        .where('account_id', '=', ctx.accountId)
        .executeTakeFirst();
      if (!vm || vm.removed_at) throw notFound('virtual machine', vmId, 'vm');
      const kp = await trx
        .selectFrom('ssh_keys')
        .select('id')
        .where('account_id', '=', ctx.accountId)
        .where('name', '=', sshKeyName)
        .executeTakeFirst();
      if (!kp) throw invalid(`A key pair named ${sshKeyName} does not exist`, 'sshKeyName');
      if (vm.state !== 'stopped')
        throw conflict(`The virtual machine must be stopped to reset its SSH key (it is ${vm.state})`, 'wrong_state');
      const busy = await trx
        .selectFrom('tasks')
        .select('id')
        .where('object_id', '=', vmId)
        .where('exclusive', '=', 1)
        .where('status', 'in', ['PENDING', 'STARTED'])
        .executeTakeFirst();
      if (busy) throw conflict('The virtual machine is busy with another operation', 'busy');
      const tpl = await this.deps.catalog.templateForDisplay(vm.template_id);
      const passwordEnc =
        tpl?.password_enabled === 1
          ? this.deps.secrets.encrypt(randomToken(9).replace(/[-_]/g, 'x').slice(0, 12))
          : null;
      await trx
        .updateTable('vms')
        .set({ keypair: sshKeyName, ...(passwordEnc ? { password_enc: passwordEnc } : {}), updated_at: nowIso() })
        .where('id', '=', vmId)
        .execute();
      const result = passwordEnc ? { type: 'vm', id: vmId, passwordEnc } : { type: 'vm', id: vmId };
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: vmId,
        ctx,
        payload: { action: 'reset_ssh_key', sshKeyName },
        result,
      });
    });
  }

  private async assertFree(q: Q, ctx: CallContext, name: string): Promise<void> {
    const dup = await q
      .selectFrom('ssh_keys')
      .select('id')
      .where('account_id', '=', ctx.accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (dup) throw conflict(`A key pair named ${name} already exists in this account`, 'exists');
  }

  private async insert(
    ctx: CallContext,
    name: string,
    fingerprint: string,
    publicKey: string,
    action: string,
  ): Promise<{ receipt: TaskReceipt; key: SshKeyView }> {
    const row: SshKeyRow = {
      id: newId(),
      account_id: ctx.accountId,
      name,
      fingerprint,
      public_key: publicKey,
      created_at: nowIso(),
    };
    try {
      const receipt = await this.deps.store.tx(async (trx) => {
        await this.assertFree(trx, ctx, name);
        await trx.insertInto('ssh_keys').values(row).execute();
        return recordSyncChange(trx, { objectType: OBJECT, objectId: row.id, ctx, payload: { action, name } });
      });
      return { receipt, key: view(row, ctx) };
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A key pair named ${name} already exists in this account`, 'exists');
      throw err;
    }
  }
}

function view(r: SshKeyRow, ctx: CallContext): SshKeyView {
  return {
    id: r.id,
    name: r.name,
    fingerprint: r.fingerprint,
    publicKey: r.public_key,
    accountName: ctx.accountName,
    created: r.created_at,
  };
}
