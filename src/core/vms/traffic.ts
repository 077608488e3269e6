/** Traffic accounting per VM: limits set by the operator, usage metered from the driver's network counters. */
import type { CoreDeps } from '../deps.js';
import type { Q } from '../../store/db.js';
import type { VmTrafficRow } from '../../store/schema.js';
import { invalid, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { systemContext } from '../../lib/context.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';

/** How a VM's traffic is counted: combined (in + out against one limit) or split (separate in and out limits). */
export interface TrafficView {
  mode: 'combined' | 'split';
  totalLimit: number;
  inLimit: number;
  outLimit: number;
  inUsed: number;
  outUsed: number;
  /** The last host the VM was seen on, kept when a stopped VM releases its host. */
  lastHostId: string | null;
}

/** What meter needs to know about a VM. */
export interface MeteredVm {
  id: string;
  state: string;
  hostId: string | null;
}

const EMPTY = {
  total_limit: 0,
  in_limit: 0,
  out_limit: 0,
  in_used: 0,
  out_used: 0,
  in_last: 0,
  out_last: 0,
  last_host_id: null,
};

/** A stored row (or none) as a view: total_limit 0 means split accounting, as in CVM. */
function trafficView(r: Partial<VmTrafficRow> | undefined): TrafficView {
  const n = (v: unknown) => Number(v ?? 0);
  return {
    mode: n(r?.total_limit) > 0 ? 'combined' : 'split',
    totalLimit: n(r?.total_limit),
    inLimit: n(r?.in_limit),
    outLimit: n(r?.out_limit),
    inUsed: n(r?.in_used),
    outUsed: n(r?.out_used),
    lastHostId: r?.last_host_id ?? null,
  };
}

/** Readings written per transaction: one commit for a page of VMs, short enough not to hold the database long. */
const WRITES_PER_TX = 100;

/**
 * How often a steadily read VM's counters are saved. Between saves a reading adds the live delta to the saved usage
 * without writing, so lists stay reads; a save happens sooner when the counters went down (a restarted guest) or the
 * VM moved host, and at once when the caller asks (before a power change resets the counters).
 */
const CHECKPOINT_MS = 60_000;

/** The counter columns one reading writes. */
type TrafficCounters = Pick<
  VmTrafficRow,
  'in_used' | 'out_used' | 'in_last' | 'out_last' | 'last_host_id' | 'updated_at'
>;

/** A reading to save: the counters it was computed from guard the update. */
interface CounterWrite {
  vmId: string;
  exists: boolean;
  inLast: number;
  outLast: number;
  next: TrafficCounters;
}

/** Writes readings in one transaction; only the reader that saw a row's last counters adds its delta (a concurrent reader's update wins otherwise). */
async function saveCounters(trx: Q, writes: CounterWrite[]): Promise<void> {
  for (const w of writes) {
    if (w.exists)
      await trx
        .updateTable('vm_traffic')
        .set(w.next)
        .where('vm_id', '=', w.vmId)
        .where('in_last', '=', w.inLast)
        .where('out_last', '=', w.outLast)
        .execute();
    else
      await trx
        .insertInto('vm_traffic')
        .values({ ...EMPTY, vm_id: w.vmId, ...w.next })
        .onConflict((oc) => oc.column('vm_id').doNothing())
        .execute();
  }
}

/** Usage grown by a counter's delta since its last saved value (a counter below it was reset: its value is all new). */
function grown(used: number, last: number, now: number): number {
  return used + (now >= last ? now - last : now);
}

/** Meters and limits traffic. */
export class TrafficService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Every VM's view with the running VMs' counter deltas added (exact at the time of reading). Readings are saved only
   * when due (see CHECKPOINT_MS) or, with opts.save, at once.
   */
  async meter(vms: MeteredVm[], opts: { save?: boolean } = {}): Promise<Map<string, TrafficView>> {
    const db = this.deps.store.db;
    const out = new Map<string, TrafficView>();
    if (vms.length === 0) return out;
    const rows = await db
      .selectFrom('vm_traffic')
      .selectAll()
      .where(
        'vm_id',
        'in',
        vms.map((v) => v.id),
      )
      .execute();
    const by = new Map(rows.map((r) => [r.vm_id, r]));
    const driver = this.deps.driver;
    const running = vms.filter((v) => v.state === 'running').map((v) => v.id);
    const batch = driver?.metricsOf && running.length > 0 ? await driver.metricsOf(running).catch(() => null) : null;
    const writes: CounterWrite[] = [];
    const now = Date.now();
    for (const vm of vms) {
      const cur = by.get(vm.id);
      const c = { ...EMPTY, ...cur };
      const m =
        driver && vm.state === 'running'
          ? batch
            ? (batch.get(vm.id) ?? null)
            : await driver.metrics(vm.id).catch(() => null)
          : null;
      const hostMoved = vm.hostId !== null && vm.hostId !== c.last_host_id;
      const inLast = Number(c.in_last);
      const outLast = Number(c.out_last);
      const moved = m !== null && (m.netRxBytes !== inLast || m.netTxBytes !== outLast || !cur);
      if (!moved && !hostMoved) {
        out.set(vm.id, trafficView(cur));
        continue;
      }
      const next = {
        in_used: m ? grown(Number(c.in_used), inLast, m.netRxBytes) : Number(c.in_used),
        out_used: m ? grown(Number(c.out_used), outLast, m.netTxBytes) : Number(c.out_used),
        in_last: m ? m.netRxBytes : inLast,
        out_last: m ? m.netTxBytes : outLast,
        last_host_id: vm.hostId ?? c.last_host_id,
        updated_at: nowIso(),
      };
      out.set(vm.id, trafficView({ ...c, ...next }));
      const reset = m !== null && (m.netRxBytes < inLast || m.netTxBytes < outLast);
      const due = !cur || !(now - Date.parse(String(c.updated_at)) < CHECKPOINT_MS);
      if (opts.save || hostMoved || reset || due)
        writes.push({ vmId: vm.id, exists: cur !== undefined, inLast, outLast, next });
    }
    for (let i = 0; i < writes.length; i += WRITES_PER_TX) {
      const part = writes.slice(i, i + WRITES_PER_TX);
      await this.deps.store.tx((trx) => saveCounters(trx, part));
    }
    return out;
  }

  /** Sets a VM's limits in bytes (operator only): total > 0 makes accounting combined, total 0 split with in/out limits; one finished task. */
  async setLimits(
    serial: number,
    limits: { total?: number; in?: number; out?: number },
  ): Promise<TrafficView & { serial: number; receipt: TaskReceipt }> {
    for (const [k, v] of Object.entries(limits)) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
        throw invalid(`${k} must be a whole number of bytes >= 0`, k);
    }
    const vm = await this.deps.store.db
      .selectFrom('vms')
      .select(['id', 'account_id'])
      .where('serial', '=', serial)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!vm) throw notFound('VPS', String(serial), 'vm');
    return this.deps.store.tx(async (trx) => {
      const cur = await trx.selectFrom('vm_traffic').selectAll().where('vm_id', '=', vm.id).executeTakeFirst();
      const set = {
        total_limit: limits.total ?? Number(cur?.total_limit ?? 0),
        in_limit: limits.in ?? Number(cur?.in_limit ?? 0),
        out_limit: limits.out ?? Number(cur?.out_limit ?? 0),
        updated_at: nowIso(),
      };
      if (cur) await trx.updateTable('vm_traffic').set(set).where('vm_id', '=', vm.id).execute();
      else
        await trx
          .insertInto('vm_traffic')
          .values({ ...EMPTY, vm_id: vm.id, ...set })
          .execute();
      const receipt = await recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: vm.id,
        ctx: systemContext(vm.account_id, 'system', 'operator'),
        payload: { action: 'set_traffic_limits', limits },
      });
      return { serial, ...trafficView({ ...EMPTY, ...cur, ...set }), receipt };
    });
  }
}
