/** What VMs actually used during a period, from the VM usage log (migration 0006): peaks of CPU and memory per account. */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Q } from '../../store/db.js';
import type { VmUsageLogRow } from '../../store/schema.js';
import { ACTIVE_STATES } from './usage.js';
import { keysetSlices, nextTurn, TimeSlice } from '../../lib/time-slice.js';

/** VMs whose last logged state, and logged changes, one read of peakUseByAccount takes before the event loop gets a turn. */
const BASE_SLICE = 500;

/** Rows replayed between two looks at the clock. */
const REPLAY_CHECK = 256;

type LogRow = Omit<VmUsageLogRow, 'seq'> & { seq: number };

/** What a logged VM holds: its account, MHz and MB, or nothing when it is not active (or removed). */
function held(r: LogRow): { account: string; cpu: number; mem: number } | null {
  if (Number(r.removed) || !ACTIVE_STATES.includes(r.state)) return null;
  return { account: r.account_id, cpu: Number(r.cpu_number) * Number(r.cpu_speed), mem: Number(r.memory) };
}

/**
 * True where the change `n` (the subquery's alias) was logged after the change `row` of the outer query: later `at`, or
 * the same `at` and a later `seq`, the order the usage log is replayed in.
 */
function loggedAfter(row: 'l' | 'vm_usage_log'): RawBuilder<SqlBool> {
  const [at, seq] = [sql.ref(`${row}.at`), sql.ref(`${row}.seq`)];
  return sql<SqlBool>`(${sql.ref('n.at')} > ${at} or (${sql.ref('n.at')} = ${at} and ${sql.ref('n.seq')} > ${seq}))`;
}

/** True where the same VM as the change `row` has a change logged after it, at a time `op` `bound` (an ISO time). */
function laterChangeExists(row: 'l' | 'vm_usage_log', op: '<' | '<=', bound: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from vm_usage_log as n where ${sql.ref('n.vm_id')} = ${sql.ref(`${row}.vm_id`)}
    and ${sql.ref('n.at')} ${sql.raw(op)} ${bound} and ${loggedAfter(row)})`;
}

/**
 * Highest CPU (MHz) and highest memory (MB) each account's active VMs held at any instant of [from, until) (ISO times).
 * The state at `from` is each VM's last change at or before it; every later change before `until` is replayed in
 * order, so a VM that ran for part of the period counts even if it stopped since, and one started later does not.
 * Only accounts that held something appear.
 */
export async function peakUseByAccount(
  q: Q,
  from: string,
  until: string,
): Promise<Map<string, { cpu: number; mem: number }>> {
  // Each VM's last change at or before `from`, a slice of VMs at a time (by id) with a turn of the event loop in
  // between: with 10,000 VMs the whole read held the loop for ~50 ms.
  const base: LogRow[] = [];
  const bases = keysetSlices(
    (last: LogRow | undefined) =>
      q
        .selectFrom('vm_usage_log as l')
        .selectAll('l')
        .where('l.vm_id', '>', last?.vm_id ?? '')
        .where('l.at', '<=', from)
        .where('l.state', 'in', ACTIVE_STATES)
        .where('l.removed', '=', 0)
        .where((eb) => eb.not(laterChangeExists('l', '<=', from)))
        .orderBy('l.vm_id')
        .limit(BASE_SLICE)
        .execute() as Promise<LogRow[]>,
    BASE_SLICE,
  );
  for await (const slice of bases) base.push(...slice);
  // The period's changes in order, a slice at a time: a burst of 10,000 deploys logs 10,000 changes in one period.
  const changes: LogRow[] = [];
  const changeSlices = keysetSlices(
    (last: LogRow | undefined) =>
      q
        .selectFrom('vm_usage_log')
        .selectAll()
        .where('at', '<', until)
        // The range on `at` alone walks vm_usage_log_at; the rest skips rows of the last read's instant already taken.
        .where((eb) =>
          last
            ? eb.and([eb('at', '>=', last.at), eb.or([eb('at', '>', last.at), eb('seq', '>', last.seq)])])
            : eb('at', '>', from),
        )
        .orderBy('at')
        .orderBy('seq')
        .limit(BASE_SLICE)
        .execute() as Promise<LogRow[]>,
    BASE_SLICE,
  );
  for await (const slice of changeSlices) changes.push(...slice);
  const byVm = new Map<string, { account: string; cpu: number; mem: number }>();
  const now = new Map<string, { cpu: number; mem: number }>();
  const peak = new Map<string, { cpu: number; mem: number }>();
  const apply = (r: LogRow) => {
    const before = byVm.get(r.vm_id);
    if (before) {
      const a = now.get(before.account)!;
      a.cpu -= before.cpu;
      a.mem -= before.mem;
      byVm.delete(r.vm_id);
    }
    const after = held(r);
    if (!after) return;
    byVm.set(r.vm_id, after);
    const a = now.get(after.account) ?? now.set(after.account, { cpu: 0, mem: 0 }).get(after.account)!;
    a.cpu += after.cpu;
    a.mem += after.mem;
  };
  const measure = () => {
    for (const [account, u] of now) {
      if (u.cpu <= 0 && u.mem <= 0) continue;
      const p = peak.get(account) ?? peak.set(account, { cpu: 0, mem: 0 }).get(account)!;
      p.cpu = Math.max(p.cpu, u.cpu);
      p.mem = Math.max(p.mem, u.mem);
    }
  };
  // The replay gives the loop a turn every few milliseconds too: 10,000 VMs and their changes take ~10 ms.
  let slice = new TimeSlice();
  const pause = async () => {
    if (!slice.spent) return;
    await nextTurn();
    slice = new TimeSlice();
  };
  for (let i = 0; i < base.length; i++) {
    apply(base[i]!);
    if (i % REPLAY_CHECK === 0) await pause();
  }
  measure();
  for (let i = 0; i < changes.length;) {
    const at = changes[i]!.at;
    for (; i < changes.length && changes[i]!.at === at; i++) apply(changes[i]!);
    measure();
    await pause();
  }
  return peak;
}

/**
 * Forgets history no period from `horizon` on can need: per VM, every change before the horizon but its last one,
 * and that last one too when the VM was not active after it.
 */
export async function pruneUsageLog(q: Q, horizon: string): Promise<void> {
  await q
    .deleteFrom('vm_usage_log')
    .where('at', '<', horizon)
    .where(laterChangeExists('vm_usage_log', '<', horizon))
    .execute();
  await q
    .deleteFrom('vm_usage_log')
    .where('at', '<', horizon)
    .where((eb) => eb.or([eb('state', 'not in', ACTIVE_STATES), eb('removed', '!=', 0)]))
    .execute();
}
