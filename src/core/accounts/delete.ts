/** Deleting an account: refused while it owns anything that costs or runs; its history (tasks, log, billing) stays. */
import type { Q } from '../../store/db.js';
import type { AccountRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { conflict } from '../../lib/errors.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';

/** Live resources that keep an account from being deleted, with the words the refusal uses. */
const LIVE = [
  ['vms', 'VM'],
  ['volumes', 'volume'],
  ['snapshots', 'snapshot'],
  ['backups', 'backup'],
  ['networks', 'network'],
] as const;

/** What belongs to the account alone and goes with it: who may log in, and its settings. */
const OWNED = [
  'iam_api_keys',
  'credentials',
  'api_tokens',
  'rate_counters',
  'users',
  'security_rules',
  'security_groups',
  'ssh_keys',
  'affinity_groups',
  'tags',
  'webhook_configs',
  'account_limits',
] as const;

/**
 * Deletes an account in the caller's transaction: admin accounts, accounts with live resources (their names in the
 * message) or a public IP are refused with Conflict in_use; the deletion is recorded as a synchronous change.
 */
export async function deleteAccountIn(trx: Q, ctx: CallContext, account: AccountRow): Promise<TaskReceipt> {
  if (account.type === 'admin') throw conflict(`${account.name} is an admin account and cannot be deleted`, 'in_use');
  const held: string[] = [];
  for (const [table, word] of LIVE) {
    const row = await trx
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', account.id)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    const n = Number(row?.n ?? 0);
    if (n > 0) held.push(`${n} ${word}${n === 1 ? '' : 's'}`);
  }
  const ips = await trx
    .selectFrom('public_ips')
    .select('id')
    .where('account_id', '=', account.id)
    .limit(1)
    .executeTakeFirst();
  if (ips) held.push('public IPs');
  if (held.length)
    throw conflict(`Account ${account.name} still owns ${held.join(', ')}; delete or release them first`, 'in_use');
  for (const table of OWNED) await trx.deleteFrom(table).where('account_id', '=', account.id).execute();
  await trx.deleteFrom('accounts').where('id', '=', account.id).execute();
  const payload = { action: 'delete', name: account.name };
  return recordSyncChange(trx, { objectType: 'account', objectId: account.id, ctx, payload });
}
