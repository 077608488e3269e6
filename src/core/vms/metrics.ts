/**
 * A VM's live usage as rates: two samples of the compute driver's counters (CPU time, disk, network) turned into CPU
 * percent and bytes per second. The previous sample of each VM is kept in memory so a poller gets the rate since its
 * last call; a first call samples twice, a quarter second apart.
 */
import type { CallContext } from '../../lib/context.js';
import { unavailable } from '../../lib/errors.js';
import type { VmMetrics } from '../../drivers/compute/driver.js';
import type { CoreDeps } from '../deps.js';
import type { VmService } from './service.js';

/** A VM's usage now. */
export interface VmUsage {
  cpuCount: number;
  /** CPU use over the sampling interval, 0-100 of all the VM's vCPUs. */
  cpuPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  rxBytesPerSec: number;
  txBytesPerSec: number;
  /** Seconds since the VM's process started (0 when the driver does not tell). */
  uptimeSec: number;
  at: string;
}

interface Sample {
  at: number;
  m: VmMetrics;
}

/** How old a kept sample may be to serve as the first of a pair. */
const MAX_AGE_MS = 5 * 60_000;
/** The wait between the two samples of a first call. */
const FIRST_GAP_MS = 250;
/** How many VMs' samples are kept at most (the oldest go first). */
const MAX_KEPT = 10_000;

/** Samples VMs' counters and turns them into rates. */
export class VmMetricsService {
  private readonly last = new Map<string, Sample>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly vms: VmService,
  ) {}

  /** The caller's running VM's usage; Unavailable (not_configured) when the VM is not running or the driver gives no counters. */
  async of(ctx: CallContext, id: string): Promise<VmUsage> {
    const vm = await this.vms.get(ctx, id);
    const driver = this.deps.driver;
    if (!driver || vm.state !== 'running')
      throw unavailable('Metrics are available only while the VPS is running', 'not_configured');
    const sample = async (): Promise<Sample> => ({ at: Date.now(), m: await driver.metrics(vm.id) });
    let prev = this.last.get(vm.id);
    if (!prev || Date.now() - prev.at > MAX_AGE_MS) {
      prev = await sample();
      await new Promise((r) => setTimeout(r, FIRST_GAP_MS));
    }
    const now = await sample();
    this.keep(vm.id, now);
    const secs = Math.max(0.001, (now.at - prev.at) / 1000);
    const rate = (a: number, b: number) => Math.max(0, (b - a) / secs);
    if (now.m.memoryUsedBytes === 0 && now.m.cpuTimeMs === 0)
      throw unavailable('The hypervisor reports no counters for this VPS yet', 'not_configured');
    const cpuPercent = Math.min(100, rate(prev.m.cpuTimeMs, now.m.cpuTimeMs) / 10 / Math.max(1, vm.cpuCount));
    return {
      cpuCount: vm.cpuCount,
      cpuPercent: Math.round(cpuPercent * 100) / 100,
      memoryUsedBytes: now.m.memoryUsedBytes,
      memoryTotalBytes: vm.memoryMb * 1024 * 1024,
      diskUsedBytes: Math.min(vm.rootDiskSize, now.m.diskWriteBytes),
      diskTotalBytes: vm.rootDiskSize,
      rxBytesPerSec: Math.round(rate(prev.m.netRxBytes, now.m.netRxBytes)),
      txBytesPerSec: Math.round(rate(prev.m.netTxBytes, now.m.netTxBytes)),
      uptimeSec: now.m.uptimeSec ?? 0,
      at: new Date(now.at).toISOString(),
    };
  }

  private keep(id: string, s: Sample): void {
    this.last.delete(id);
    this.last.set(id, s);
    if (this.last.size > MAX_KEPT) this.last.delete(this.last.keys().next().value!);
  }
}
