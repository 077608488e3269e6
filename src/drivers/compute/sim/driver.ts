/** The sim driver: a simulated hypervisor whose domains live in the database, with delays and injected faults. */
import type { Store } from '../../../store/db.js';
import { operationFailed, unavailable } from '../../../lib/errors.js';
import { setTimeout as wait } from 'node:timers/promises';
import { nowIso } from '../../../lib/util.js';
import type { SimFaultRow } from '../../../store/schema.js';
import { FAULT_KINDS, addFault, clearFaults, faultsReplaced, faultsVersion, listFaults } from './faults.js';
import type { ComputeDriver, FaultControl, PowerState, VmMetrics, VmSpec } from '../driver.js';
import type { ChaosSnapshots } from '../../../store/chaos.js';

/** Sim tuning: the delay of every power transition, and chaos, whose per-operation delays override it. */
export interface SimOptions {
  delayMs: number;
  /** Per-operation delays and jitter (chaos_delays) and the process's seeded generator for the jitter. */
  chaos?: ChaosSnapshots;
}

/** The driver operations that wait the global delay when chaos sets none of their own. */
const POWER_OPERATIONS = new Set(['start', 'stop', 'reboot']);

/** Simulated hypervisor; every operation is idempotent and consults the fault table first. */
export class SimDriver implements ComputeDriver {
  readonly name = 'sim';
  private cache: { rows: SimFaultRow[]; at: number; version: number } | null = null;

  constructor(
    private readonly store: Store,
    private readonly opts: SimOptions,
  ) {}

  /** Fault injection, kept in the database so the CLI and the admin API of every process share it. */
  readonly faults: FaultControl = {
    kinds: FAULT_KINDS,
    add: (f) => addFault(this.store.db, f),
    list: () => listFaults(this.store.db),
    clear: (id) => clearFaults(this.store.db, id),
    forget: faultsReplaced,
  };

  async define(spec: VmSpec, signal?: AbortSignal): Promise<void> {
    if (await this.place(spec, signal)) await this.transition('create', signal);
  }

  /** Defines the domain on its host; true when it did not exist before (a VM's first definition: its creation). */
  private async place(spec: VmSpec, signal?: AbortSignal): Promise<boolean> {
    await this.gate(spec.hostId, spec.id, signal);
    const db = this.store.db;
    // One statement for a VM's first definition (the common case): the row comes back only when it was inserted.
    const created = await db
      .insertInto('sim_domains')
      .values({ vm_id: spec.id, host_id: spec.hostId, power: 'stopped', started_at: null, boot_count: 0 })
      .onConflict((oc) => oc.column('vm_id').doNothing())
      .returning('vm_id')
      .executeTakeFirst();
    if (created) return true;
    await db.updateTable('sim_domains').set({ host_id: spec.hostId }).where('vm_id', '=', spec.id).execute();
    return false;
  }

  async start(spec: VmSpec, opts: { signal?: AbortSignal } = {}): Promise<void> {
    if ((await this.definedRunning([spec])).size > 0) return;
    await this.define(spec, opts.signal);
    await this.consumeStartFault(spec.hostId, spec.id);
    await this.transition('start', opts.signal);
    await this.store.db
      .updateTable('sim_domains')
      .set((eb) => ({ power: 'running', started_at: nowIso(), boot_count: eb('boot_count', '+', 1) }))
      .where('vm_id', '=', spec.id)
      .where('power', '!=', 'running')
      .execute();
  }

  /** New VMs with no fault or delay set start in one statement, the others one by one (signals keyed by VM id). */
  async startMany(specs: VmSpec[], signals: Map<string, AbortSignal>): Promise<Map<string, unknown>> {
    const failed = new Map<string, unknown>();
    const done = await this.definedRunning(specs);
    for (const spec of specs) {
      if (done.has(spec.id)) continue;
      await this.start(spec, { signal: signals.get(spec.id) }).catch((err: unknown) => failed.set(spec.id, err));
    }
    return failed;
  }

  /**
   * VMs' first starts with no fault set and no delay to wait (the emulator's usual case) define their domains running
   * in one statement, as define-then-start would leave them; returns the VMs so started (none when the full path
   * must run, or for a VM whose domain existed).
   */
  private async definedRunning(specs: VmSpec[]): Promise<Set<string>> {
    if (specs.length === 0 || this.opts.delayMs > 0 || (await this.activeFaults()).length > 0) return new Set();
    const delays = this.opts.chaos ? (await this.opts.chaos.current()).delays : undefined;
    if (delays?.has('create') || delays?.has('start')) return new Set();
    const at = nowIso();
    const created = await this.store.db
      .insertInto('sim_domains')
      .values(specs.map((s) => ({ vm_id: s.id, host_id: s.hostId, power: 'running', started_at: at, boot_count: 1 })))
      .onConflict((oc) => oc.column('vm_id').doNothing())
      .returning('vm_id')
      .execute();
    return new Set(created.map((r) => r.vm_id));
  }

  async stop(vmId: string, opts: { force: boolean; signal?: AbortSignal }): Promise<void> {
    const dom = await this.domain(vmId);
    if (!dom) return;
    if (!opts.force) await this.gate(dom.host_id, vmId, opts.signal);
    await this.transition('stop', opts.signal);
    await this.store.db
      .updateTable('sim_domains')
      .set({ power: 'stopped', started_at: null })
      .where('vm_id', '=', vmId)
      .execute();
  }

  async reboot(spec: VmSpec, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.gate(spec.hostId, spec.id, opts.signal);
    await this.transition('reboot', opts.signal);
    await this.store.db
      .updateTable('sim_domains')
      .set((eb) => ({ power: 'running', started_at: nowIso(), boot_count: eb('boot_count', '+', 1) }))
      .where('vm_id', '=', spec.id)
      .execute();
  }

  async destroy(vmId: string): Promise<void> {
    const dom = await this.domain(vmId);
    if (!dom) return;
    await this.transition('destroy');
    await this.store.db.deleteFrom('sim_domains').where('vm_id', '=', vmId).execute();
  }

  async attachVolume(vmId: string): Promise<void> {
    const dom = await this.domain(vmId);
    if (dom) await this.gate(dom.host_id, vmId);
    await this.transition('attach');
  }

  async detachVolume(vmId: string): Promise<void> {
    const dom = await this.domain(vmId);
    if (dom) await this.gate(dom.host_id, vmId);
    await this.transition('detach');
  }

  async status(vmId: string): Promise<PowerState> {
    const dom = await this.domain(vmId);
    if (!dom) return 'absent';
    if (!(await this.hostReachable(dom.host_id))) return 'unknown';
    return dom.power === 'running' ? 'running' : 'stopped';
  }

  async metrics(vmId: string): Promise<VmMetrics> {
    return simMetrics(await this.domain(vmId));
  }

  async metricsOf(vmIds: string[]): Promise<Map<string, VmMetrics>> {
    const doms = vmIds.length
      ? await this.store.db.selectFrom('sim_domains').selectAll().where('vm_id', 'in', vmIds).execute()
      : [];
    const by = new Map(doms.map((d) => [d.vm_id, d]));
    return new Map(vmIds.map((id) => [id, simMetrics(by.get(id))]));
  }

  async hostReachable(hostId: string): Promise<boolean> {
    return !(await this.activeFaults()).some(
      (f) => f.kind === 'host_unreachable' && (f.host_id === hostId || f.host_id === null),
    );
  }

  async unreachableHosts(): Promise<string[]> {
    const down = (await this.activeFaults()).filter((f) => f.kind === 'host_unreachable');
    if (down.some((f) => f.host_id === null)) {
      return (await this.store.db.selectFrom('hosts').select('id').execute()).map((h) => h.id);
    }
    return down.map((f) => f.host_id!);
  }

  /** Current faults, re-read at most every 100 ms (faults set by another process apply within that time). */
  private async activeFaults(): Promise<SimFaultRow[]> {
    const version = faultsVersion();
    if (this.cache && this.cache.version === version && Date.now() - this.cache.at < 100) return this.cache.rows;
    const rows = await this.store.db.selectFrom('sim_faults').selectAll().execute();
    this.cache = { rows, at: Date.now(), version };
    return rows;
  }

  private async domain(vmId: string) {
    return this.store.db.selectFrom('sim_domains').selectAll().where('vm_id', '=', vmId).executeTakeFirst();
  }

  /**
   * Waits an operation's delay: its own from chaos (delay ± jitter, the jitter drawn from the seeded generator) when set,
   * else the global delay for power transitions; a cancelled task's signal cuts it short with its reason.
   */
  private async transition(operation: string, signal?: AbortSignal): Promise<void> {
    const own = this.opts.chaos ? (await this.opts.chaos.current()).delays.get(operation) : undefined;
    let ms = POWER_OPERATIONS.has(operation) ? this.opts.delayMs : 0;
    if (own) {
      const jitter = own.jitter_ms > 0 ? Math.round((this.opts.chaos!.random.next() * 2 - 1) * own.jitter_ms) : 0;
      ms = Math.max(0, own.delay_ms + jitter);
    }
    if (ms > 0) await pause(ms, signal);
  }

  /** Applies latency and refuses work on an unreachable host. */
  private async gate(hostId: string, vmId: string, signal?: AbortSignal): Promise<void> {
    const faults = (await this.activeFaults()).filter(
      (f) => f.host_id === hostId || f.vm_id === vmId || (f.host_id === null && f.vm_id === null),
    );
    if (faults.length === 0) return;
    const latency = faults.filter((f) => f.kind === 'latency').reduce((s, f) => s + Number(f.value), 0);
    if (latency > 0) await pause(latency, signal);
    if (faults.some((f) => f.kind === 'host_unreachable' && (f.host_id === hostId || f.host_id === null))) {
      throw unavailable(`Host ${hostId} is unreachable`, 'unreachable');
    }
  }

  private async consumeStartFault(hostId: string, vmId: string): Promise<void> {
    if (!(await this.activeFaults()).some((x) => x.kind === 'fail_next_start')) return;
    this.cache = null;
    const f = await this.store.db
      .selectFrom('sim_faults')
      .selectAll()
      .where('kind', '=', 'fail_next_start')
      .where((eb) =>
        eb.or([
          eb('vm_id', '=', vmId),
          eb('host_id', '=', hostId),
          eb.and([eb('host_id', 'is', null), eb('vm_id', 'is', null)]),
        ]),
      )
      .orderBy('created_at')
      .executeTakeFirst();
    if (!f) return;
    this.cache = null;
    if (Number(f.remaining) === 1) await this.store.db.deleteFrom('sim_faults').where('id', '=', f.id).execute();
    else if (Number(f.remaining) > 1)
      await this.store.db
        .updateTable('sim_faults')
        .set({ remaining: Number(f.remaining) - 1 })
        .where('id', '=', f.id)
        .execute();
    throw operationFailed(`Simulated fault: start of VM ${vmId} failed on host ${hostId}`);
  }
}

/** Sleeps ms, or throws the signal's reason as soon as it aborts. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/** Counters that grow with uptime, as a running guest's would (zero while stopped). */
function simMetrics(dom: { power: string; started_at: string | null } | undefined): VmMetrics {
  const up =
    dom?.power === 'running' && dom.started_at ? Math.max(0, Date.now() - Date.parse(dom.started_at)) / 1000 : 0;
  const secs = Math.floor(up);
  return {
    cpuTimeMs: secs * 50,
    memoryUsedBytes: dom?.power === 'running' ? 128 * 1024 * 1024 : 0,
    diskReadBytes: secs * 4096,
    diskWriteBytes: secs * 2048,
    netRxBytes: secs * 1500,
    netTxBytes: secs * 700,
    uptimeSec: secs,
  };
}
