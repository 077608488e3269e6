/** The account ledger: balances, transactions and the date format of their descriptions, shared by billing's services and meters. */
import type { Q } from '../../store/db.js';
import { quotaExceeded } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { MICRO } from './money.js';

/** The billing row of an account, created with the default currency on first use. */
export async function ensureAccount(
  q: Q,
  accountId: string,
  currency: string,
): Promise<{ balance: number; currency: string }> {
  const row = await q.selectFrom('billing_accounts').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (row) return { balance: Number(row.balance), currency: row.currency };
  await q
    .insertInto('billing_accounts')
    .values({ account_id: accountId, currency, balance: 0 })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
  return ensureAccount(q, accountId, currency);
}

/** Records a transaction and moves the balance by its amount (negative = charge). */
export async function charge(
  q: Q,
  accountId: string,
  currency: string,
  amount: number,
  description: string,
  periodKey: string | null,
): Promise<void> {
  const acct = await ensureAccount(q, accountId, currency);
  await q
    .insertInto('billing_transactions')
    .values({
      id: newId(),
      account_id: accountId,
      created_at: nowIso(),
      description,
      amount,
      currency: acct.currency,
      period_key: periodKey,
    })
    .execute();
  await q
    .updateTable('billing_accounts')
    .set((eb) => ({ balance: eb('balance', '+', amount) }))
    .where('account_id', '=', accountId)
    .execute();
}

/** Charges a purchase in the caller's transaction; QuotaExceeded (rolling it back) when the balance would fall below zero. */
export async function spend(
  q: Q,
  accountId: string,
  currency: string,
  amount: number,
  description: string,
): Promise<void> {
  await charge(q, accountId, currency, -amount, description, null);
  const after = await ensureAccount(q, accountId, currency);
  if (after.balance < 0) {
    throw quotaExceeded(
      `Insufficient balance: ${amount / MICRO} ${after.currency} needed, ${(after.balance + amount) / MICRO} available`,
      'balance',
    );
  }
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as the seed shows dates. */
export function fmtDate(d: Date | string): string {
  return (typeof d === 'string' ? d : d.toISOString()).replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}
