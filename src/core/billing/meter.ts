/** Burst metering: every 5-minute period, use and transfer beyond subscriptions are charged at burst prices, once per account and period. */
import type { CoreDeps } from '../deps.js';
import { isUniqueViolation } from '../../store/db.js';
import { invalid } from '../../lib/errors.js';
import type { PriceTable } from './money.js';
import { charge, fmtDate } from './ledger.js';
import { activeSubscriptions, diskByAccount } from './usage.js';
import { meterTransfer, refreshTraffic } from './transfer.js';
import { peakUseByAccount, pruneUsageLog } from './history.js';
import { nextTurn } from '../../lib/time-slice.js';

/** Length of a burst period. */
export const PERIOD_MS = 5 * 60_000;
const LAST_KEY = 'billing_last_period';
/** How many missed periods one catch-up meters at most (one day). */
const CATCH_UP = 288;

/**
 * Charges every account's burst and transfer for the period starting at `start` (a multiple of 5 minutes); a period
 * already charged is skipped. CPU and memory are the peaks the account's VMs held during the period (from the VM usage
 * log, so a VM stopped since still counts); disk is what the account's volumes hold when the meter runs.
 */
export async function meterPeriod(
  deps: CoreDeps,
  prices: PriceTable,
  start: Date,
): Promise<{ charged: number; total: number }> {
  const t0 = start.getTime();
  if (!Number.isFinite(t0) || t0 % PERIOD_MS !== 0)
    throw invalid('A burst period starts on a multiple of 5 minutes', 'period');
  const at = new Date(t0).toISOString();
  const until = new Date(t0 + PERIOD_MS);
  const key = `burst:${at}`;
  let charged = 0;
  let total = 0;
  // Peaks and disks are read in slices; a turn of the event loop per account as well, so requests waiting meanwhile
  // wait for one slice or one account at a time, not for the whole run.
  const peaks = await peakUseByAccount(deps.store.db, at, until.toISOString());
  await nextTurn();
  const disks = await diskByAccount(deps.store.db);
  for (const accountId of new Set([...peaks.keys(), ...disks.keys()])) {
    await nextTurn();
    const sub = await activeSubscriptions(deps.store.db, accountId, at);
    const cpu = Math.max(0, (peaks.get(accountId)?.cpu ?? 0) - (sub.cpu ?? 0));
    const mem = Math.max(0, (peaks.get(accountId)?.mem ?? 0) - (sub.mem ?? 0));
    const disk = Math.max(0, (disks.get(accountId) ?? 0) - (sub.disk ?? 0));
    // Prices are per GHz, GB and GB per hour; a period is 1/12 hour.
    const amount = Math.round(
      (cpu * prices['cpu:burst']!) / 12_000 +
        (mem * prices['mem:burst']!) / (1024 * 12) +
        (disk * prices['disk:burst']!) / 12,
    );
    if (amount <= 0) continue;
    const description = `5 minutes of burst use (cpu ${cpu} MHz, mem ${mem} MB, disk ${disk} GB) from ${fmtDate(at)} until ${fmtDate(until)}`;
    try {
      const done = await deps.store.tx(async (trx) => {
        const seen = await trx
          .selectFrom('billing_transactions')
          .select('id')
          .where('account_id', '=', accountId)
          .where('period_key', '=', key)
          .executeTakeFirst();
        if (seen) return false;
        await charge(trx, accountId, deps.config.billing.currency, -amount, description, key);
        return true;
      });
      if (done) {
        charged++;
        total += amount;
      }
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // another process charged this period first
    }
  }
  await nextTurn();
  const xfer = await meterTransfer(deps, prices, t0, PERIOD_MS);
  return { charged: charged + xfer.charged, total: total + xfer.total };
}

/** Meters every complete period since the last one metered (at most a day back); what serve runs on a timer. */
export async function meterDue(deps: CoreDeps, prices: PriceTable, now = new Date()): Promise<number> {
  const lastComplete = Math.floor(now.getTime() / PERIOD_MS) * PERIOD_MS - PERIOD_MS;
  const row = await deps.store.db.selectFrom('meta').select('value').where('key', '=', LAST_KEY).executeTakeFirst();
  const from = Math.max(row ? Number(row.value) + PERIOD_MS : lastComplete, lastComplete - (CATCH_UP - 1) * PERIOD_MS);
  let n = 0;
  if (from <= lastComplete) await refreshTraffic(deps);
  for (let t = from; t <= lastComplete; t += PERIOD_MS) {
    await meterPeriod(deps, prices, new Date(t));
    n++;
  }
  if (n) {
    await deps.store.tx(async (trx) => {
      await trx.deleteFrom('meta').where('key', '=', LAST_KEY).execute();
      await trx
        .insertInto('meta')
        .values({ key: LAST_KEY, value: String(lastComplete) })
        .execute();
      await pruneUsageLog(trx, new Date(lastComplete - CATCH_UP * PERIOD_MS).toISOString());
    });
  }
  return n;
}
