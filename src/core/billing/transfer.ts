/** Transfer metering: traffic beyond an account's monthly `xfer` subscription is charged per 5-minute period at `xfer:burst` per GB. */
import type { CoreDeps } from '../deps.js';
import { isUniqueViolation } from '../../store/db.js';
import { TrafficService } from '../vms/traffic.js';
import { nextTurn } from '../../lib/time-slice.js';
import type { PriceTable } from './money.js';
import { charge, fmtDate } from './ledger.js';
import { ACTIVE_STATES, activeSubscriptions } from './usage.js';

const GIB = 1024 ** 3;
const STATE_PREFIX = 'billing_xfer:';

/**
 * Per-account metering state, kept in `meta`: the last period metered, the account's cumulative traffic counter
 * (in + out bytes of all its VMs) at that time, and the bytes used so far in that period's calendar month (UTC).
 */
interface XferState {
  period: number;
  total: number;
  month: string;
  used: number;
}

/** A skipped write: another process metered this account concurrently. */
class Raced extends Error {}

/**
 * Cumulative traffic bytes (in + out) per account, from the `vm_traffic` counters of all its VMs, summed by the
 * database: one row per account (reading every VM's row held the loop ~15 ms at 10,000 VMs, the sum ~6 ms).
 */
async function trafficByAccount(deps: CoreDeps): Promise<Map<string, number>> {
  const rows = await deps.store.db
    .selectFrom('vm_traffic as t')
    .innerJoin('vms as v', 'v.id', 't.vm_id')
    .select((eb) => ['v.account_id', eb.fn.sum<number>(eb('t.in_used', '+', eb.ref('t.out_used'))).as('bytes')])
    .groupBy('v.account_id')
    .execute();
  return new Map(rows.map((r) => [r.account_id, Number(r.bytes)]));
}

/** VMs whose counters one slice of refreshTraffic reads and saves before the event loop gets a turn. */
const REFRESH_SLICE = 50;

/**
 * Reads the driver counters of active VMs into `vm_traffic`, so metering sees current traffic (what CVM does on reads).
 * Runs in slices of REFRESH_SLICE VMs, each read by id after the last one's, with a turn of the event loop in between:
 * in one piece, 10,000 VMs held the loop for ~150 ms every five minutes, reading their ids at once still ~10 ms, and a
 * slice of 100 up to ~13 ms (its counters are saved in one transaction).
 */
export async function refreshTraffic(deps: CoreDeps): Promise<void> {
  if (!deps.driver) return;
  const traffic = new TrafficService(deps);
  for (let after = ''; ; await nextTurn()) {
    const vms = await deps.store.db
      .selectFrom('vms')
      .select(['id', 'state', 'host_id'])
      .where('removed_at', 'is', null)
      .where('state', 'in', ACTIVE_STATES)
      .where('id', '>', after)
      .orderBy('id')
      .limit(REFRESH_SLICE)
      .execute();
    if (vms.length === 0) return;
    await traffic.meter(
      vms.map((v) => ({ id: v.id, state: v.state, hostId: v.host_id })),
      { save: true },
    );
    if (vms.length < REFRESH_SLICE) return;
    after = vms[vms.length - 1]!.id;
  }
}

/**
 * Charges every account's transfer during the period starting at `t0` beyond its monthly `xfer` subscription (GB).
 * The transfer is the growth of the account's cumulative counter since the previous metered period; a period at or
 * before the last one metered for an account charges nothing, so re-running a period never charges twice.
 */
export async function meterTransfer(
  deps: CoreDeps,
  prices: PriceTable,
  t0: number,
  periodMs: number,
): Promise<{ charged: number; total: number }> {
  const at = new Date(t0).toISOString();
  const month = at.slice(0, 7);
  const key = `xfer:${at}`;
  let charged = 0;
  let total = 0;
  for (const [accountId, counter] of await trafficByAccount(deps)) {
    await nextTurn();
    const stateKey = `${STATE_PREFIX}${accountId}`;
    try {
      const amount = await deps.store.tx(async (trx) => {
        const row = await trx.selectFrom('meta').select('value').where('key', '=', stateKey).executeTakeFirst();
        const prev: XferState = row
          ? (JSON.parse(row.value) as XferState)
          : { period: -Infinity, total: 0, month, used: 0 };
        if (prev.period >= t0) return 0;
        const delta = Math.max(0, counter - prev.total);
        const used = prev.month === month ? prev.used : 0;
        const allowance = ((await activeSubscriptions(trx, accountId, at)).xfer ?? 0) * GIB;
        const excess = Math.max(0, used + delta - allowance) - Math.max(0, used - allowance);
        const next = JSON.stringify({ period: t0, total: counter, month, used: used + delta } satisfies XferState);
        if (row) {
          const r = await trx
            .updateTable('meta')
            .set({ value: next })
            .where('key', '=', stateKey)
            .where('value', '=', row.value)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw new Raced();
        } else {
          await trx.insertInto('meta').values({ key: stateKey, value: next }).execute();
        }
        const amt = Math.round((excess * prices['xfer:burst']!) / GIB);
        if (amt <= 0) return 0;
        const gb = Math.round((excess / GIB) * 1000) / 1000;
        const until = new Date(t0 + periodMs);
        await charge(
          trx,
          accountId,
          deps.config.billing.currency,
          -amt,
          `Data transfer of ${gb} GB beyond subscription from ${fmtDate(at)} until ${fmtDate(until)}`,
          key,
        );
        return amt;
      });
      if (amount > 0) {
        charged++;
        total += amount;
      }
    } catch (err) {
      if (!(err instanceof Raced) && !isUniqueViolation(err)) throw err; // another process metered this account first
    }
  }
  return { charged, total };
}
