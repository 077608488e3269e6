/** Transfer metering: traffic beyond an account's monthly `xfer` subscription is charged per 5-minute period at `xfer:burst` per GB. */
import type { CoreDeps } from '../deps.js';
import { isUniqueViolation } from '../../store/db.js';
import { TrafficService } from '../vms/traffic.js';
import { keysetSlices, nextTurn } from '../../lib/time-slice.js';
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

/** Traffic rows one slice of trafficByAccount reads before the event loop gets a turn. */
const SUM_SLICE = 1000;

/**
 * Cumulative traffic bytes (in + out) per account, from the `vm_traffic` counters of all its VMs, read SUM_SLICE VMs
 * at a time by id with a turn of the event loop in between (summed in one statement, 10,000 VMs held the loop ~6 ms
 * idle and ~13 ms under load).
 */
async function trafficByAccount(deps: CoreDeps): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const slices = keysetSlices(
    (last: { vm_id: string } | undefined) =>
      deps.store.db
        .selectFrom('vm_traffic as t')
        .innerJoin('vms as v', 'v.id', 't.vm_id')
        .select(['t.vm_id', 'v.account_id', 't.in_used', 't.out_used'])
        .where('t.vm_id', '>', last?.vm_id ?? '')
        .orderBy('t.vm_id')
        .limit(SUM_SLICE)
        .execute(),
    SUM_SLICE,
  );
  for await (const slice of slices)
    for (const r of slice) out.set(r.account_id, (out.get(r.account_id) ?? 0) + Number(r.in_used) + Number(r.out_used));
  return out;
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
  const slices = keysetSlices(
    (last: { id: string } | undefined) =>
      deps.store.db
        .selectFrom('vms')
        .select(['id', 'state', 'host_id'])
        .where('removed_at', 'is', null)
        .where('state', 'in', ACTIVE_STATES)
        .where('id', '>', last?.id ?? '')
        .orderBy('id')
        .limit(REFRESH_SLICE)
        .execute(),
    REFRESH_SLICE,
  );
  for await (const vms of slices)
    await traffic.meter(
      vms.map((v) => ({ id: v.id, state: v.state, hostId: v.host_id })),
      { save: true },
    );
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
