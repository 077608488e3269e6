/** VPS: the VM as synchronous, serial-numbered APIs (CVM) see it: status from the driver, traffic, and power calls that wait. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { CoreError, invalid, notFound, operationFailed, timedOut } from '../../lib/errors.js';
import type { JobService } from '../jobs/service.js';
import type { VmService } from './service.js';
import type { VmLifecycle } from './lifecycle.js';
import type { VmView } from './model.js';
import type { TrafficService, TrafficView } from './traffic.js';
import { numberedAliases, objectByNumber } from '../aliases/service.js';

/** The five states a VPS reports; unknown when its host cannot be reached. */
export type VpsStatus = 'running' | 'stopped' | 'suspended' | 'terminated' | 'unknown';

/** A VPS as listed. */
export interface VpsView {
  serial: number; hostname: string; nodeSerial: number | null; location: string; templateSerial: number | null;
  memoryMb: number; diskBytes: number; cpuCount: number; traffic: TrafficView;
}

/** Live status and usage of a VPS. */
export interface VpsStatusView { status: VpsStatus; ramUsedBytes: number; diskUsedBytes: number; traffic: TrafficView }

/** A power action of the CVM API. */
export type VpsAction = 'start' | 'stop' | 'restart';

/** Lists VPSes, reads their status and runs power calls synchronously. */
export class VpsService {
  constructor(
    private readonly deps: CoreDeps, private readonly vms: VmService, private readonly lifecycle: VmLifecycle,
    private readonly jobs: JobService, private readonly traffic: TrafficService,
  ) {}

  /** The caller's VPSes (terminated ones included), traffic metered now. */
  async list(ctx: CallContext): Promise<VpsView[]> {
    const page = await this.vms.list(ctx, {});
    return this.views(page.items);
  }

  /** One of the caller's VPSes, or NotFound. */
  async get(ctx: CallContext, serial: number): Promise<VpsView> {
    return (await this.views([await this.view(ctx, serial)]))[0]!;
  }

  /** Status, RAM and disk use from the driver, and metered traffic. */
  async status(ctx: CallContext, serial: number): Promise<VpsStatusView> {
    const vm = await this.view(ctx, serial);
    const traffic = (await this.traffic.meter([vm])).get(vm.id)!;
    const status = await this.liveStatus(vm);
    const m = status === 'running' && this.deps.driver ? await this.deps.driver.metrics(vm.id).catch(() => null) : null;
    const disk = m ? (m as { diskUsedBytes?: number }).diskUsedBytes ?? Math.min(vm.rootDiskSize, m.diskWriteBytes) : 0;
    return { status, ramUsedBytes: m?.memoryUsedBytes ?? 0, diskUsedBytes: disk, traffic };
  }

  /** Starts, stops or restarts (reboot when running, start when stopped) and waits for the task; its failure is thrown. */
  async power(ctx: CallContext, serial: number, action: VpsAction): Promise<void> {
    const vm = await this.view(ctx, serial);
    if (action !== 'start') await this.traffic.meter([vm]);
    let taskId: string;
    if (action === 'start') taskId = await this.lifecycle.start(ctx, vm.id);
    else if (action === 'stop') taskId = await this.lifecycle.stop(ctx, vm.id, false);
    else taskId = vm.state === 'stopped' ? await this.lifecycle.start(ctx, vm.id) : await this.lifecycle.reboot(ctx, vm.id);
    await this.settle(ctx, taskId, action);
  }

  /** Rebuilds the VPS from a template (by CVM template id) and waits; an unknown or unusable template is Invalid. */
  async reinstall(ctx: CallContext, serial: number, templateSerial: number): Promise<void> {
    const vm = await this.view(ctx, serial);
    const templateId = await objectByNumber(this.deps.store, 'template', 'cvm', templateSerial);
    if (!templateId) throw invalid(`Template ${templateSerial} does not exist`, 'template');
    let taskId: string;
    try {
      taskId = await this.lifecycle.restore(ctx, vm.id, templateId);
    } catch (err) {
      if (err instanceof CoreError && err.kind === 'NotFound') throw invalid(`Template ${templateSerial} does not exist`, 'template');
      throw err;
    }
    await this.settle(ctx, taskId, 'reinstall');
  }

  private async settle(ctx: CallContext, taskId: string, what: string): Promise<void> {
    const ms = this.deps.config.syncWaitMs;
    const job = await this.jobs.wait(ctx, taskId, ms);
    if (job.status === 'SUCCESS') return;
    if (job.status === 'FAILURE' || job.status === 'REVOKED') throw job.error ?? operationFailed(`The ${what} failed`);
    throw timedOut(`The ${what} did not finish within ${ms} ms; it goes on in the background`);
  }

  /** The caller's live VM with this serial, or NotFound (another account's VM too). */
  private async view(ctx: CallContext, serial: number): Promise<VmView> {
    if (!Number.isSafeInteger(serial) || serial < 1) throw notFound('VPS', String(serial), 'vm');
    const row = await this.deps.store.db.selectFrom('vms').select('id').where('serial', '=', serial)
      .where('account_id', '=', ctx.accountId).where('removed_at', 'is', null).executeTakeFirst();
    if (!row) throw notFound('VPS', String(serial), 'vm');
    return this.vms.get(ctx, row.id);
  }

  private async views(items: VmView[]): Promise<VpsView[]> {
    const traffic = await this.traffic.meter(items);
    const hostOf = (v: VmView) => v.hostId ?? traffic.get(v.id)?.lastHostId ?? null;
    const hosts = await numberedAliases(this.deps.store, 'host', 'cvm', [...new Set(items.map(hostOf).filter((h): h is string => !!h))]);
    const templates = await numberedAliases(this.deps.store, 'template', 'cvm', [...new Set(items.map((v) => v.templateId))]);
    return items.map((v) => {
      const h = hostOf(v);
      return {
        serial: v.serial, hostname: v.name, nodeSerial: h ? hosts.get(h) ?? null : null, location: v.zoneName,
        templateSerial: templates.get(v.templateId) ?? null, memoryMb: v.memory, diskBytes: v.rootDiskSize, cpuCount: v.cpuNumber,
        traffic: traffic.get(v.id)!,
      };
    });
  }

  private async liveStatus(vm: VmView): Promise<VpsStatus> {
    if (vm.state === 'suspended' || vm.state === 'terminated') return vm.state;
    const p = this.deps.driver ? await this.deps.driver.status(vm.id).catch(() => 'unknown' as const) : 'absent';
    if (p === 'unknown') return 'unknown';
    if (p === 'running' || p === 'stopped') return p;
    if (vm.state === 'error') return 'unknown';
    return vm.state === 'running' || vm.state === 'rebooting' || vm.state === 'stopping' ? 'running' : 'stopped';
  }
}

