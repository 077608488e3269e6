/** A core VM as the CVM API sees it (a VPS): numbered by serial, with node and template numbers, traffic, and power calls that wait. */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import { CoreError, invalid, timedOut } from '../../lib/errors.js';
import { awaitTask } from '../shared/await-task.js';
import type { VmView } from '../../core/vms/model.js';
import type { VmPower } from '../../core/vms/status.js';
import type { TrafficView } from '../../core/vms/traffic.js';
import type { TaskReceipt } from '../../core/receipt.js';

/** A VPS as listed. */
export interface VpsView {
  serial: number;
  hostname: string;
  nodeSerial: number | null;
  location: string;
  templateSerial: number | null;
  memoryMb: number;
  diskBytes: number;
  cpuCount: number;
  traffic: TrafficView;
}

/** Live status and usage of a VPS. */
export interface VpsStatusView {
  status: VmPower;
  ramUsedBytes: number;
  diskUsedBytes: number;
  traffic: TrafficView;
}

/** A power action of the CVM API. */
export type VpsAction = 'start' | 'stop' | 'restart';

/** The caller's live VM with this serial, or NotFound naming a VPS. */
const vpsOf = (core: Core, ctx: CallContext, serial: number): Promise<VmView> => core.vms.bySerial(ctx, serial, 'VPS');

/** The caller's VPSes (terminated ones included), traffic metered now. */
export async function listVps(core: Core, ctx: CallContext): Promise<VpsView[]> {
  return views(core, (await core.vms.list(ctx, {})).items);
}

/** One of the caller's VPSes, or NotFound. */
export async function getVps(core: Core, ctx: CallContext, serial: number): Promise<VpsView> {
  return (await views(core, [await vpsOf(core, ctx, serial)]))[0]!;
}

/** Status, RAM and disk use from the hypervisor, and metered traffic. */
export async function vpsStatus(core: Core, ctx: CallContext, serial: number): Promise<VpsStatusView> {
  const vm = await vpsOf(core, ctx, serial);
  const traffic = (await core.traffic.meter([vm])).get(vm.id)!;
  const live = await core.vms.liveStatus(vm);
  return { status: live.power, ramUsedBytes: live.memoryUsedBytes, diskUsedBytes: live.diskUsedBytes, traffic };
}

/** Starts, stops or restarts (reboot when running, start when stopped) and waits for the task; its failure is thrown. */
export async function powerVps(core: Core, ctx: CallContext, serial: number, action: VpsAction): Promise<void> {
  const vm = await vpsOf(core, ctx, serial);
  if (action !== 'start') await core.traffic.meter([vm], { save: true });
  let receipt: TaskReceipt;
  if (action === 'start') receipt = await core.vms.start(ctx, vm.id);
  else if (action === 'stop') receipt = await core.vms.stop(ctx, vm.id, false);
  else
    receipt =
      vm.state === 'stopped' || vm.state === 'defined'
        ? await core.vms.start(ctx, vm.id)
        : await core.vms.reboot(ctx, vm.id);
  await settle(core, ctx, receipt.taskId, action);
}

/** Rebuilds the VPS from a template (by CVM template id) and waits; an unknown or unusable template is Invalid. */
export async function reinstallVps(
  core: Core,
  ctx: CallContext,
  serial: number,
  templateSerial: number,
): Promise<void> {
  const vm = await vpsOf(core, ctx, serial);
  const templateId = await core.nodes.objectOf('template', templateSerial);
  if (!templateId) throw invalid(`Template ${templateSerial} does not exist`, 'template');
  let receipt: TaskReceipt;
  try {
    receipt = await core.vms.restore(ctx, vm.id, templateId);
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound')
      throw invalid(`Template ${templateSerial} does not exist`, 'template');
    throw err;
  }
  await settle(core, ctx, receipt.taskId, 'reinstall');
}

async function settle(core: Core, ctx: CallContext, taskId: string, what: string): Promise<void> {
  const ms = core.deps.config.syncWaitMs;
  const r = await awaitTask(core, ctx, taskId, ms);
  if (r.outcome === 'done') return;
  if (r.outcome === 'failed') throw r.error;
  throw timedOut(`The ${what} did not finish within ${ms} ms; it goes on in the background`);
}

async function views(core: Core, items: VmView[]): Promise<VpsView[]> {
  const traffic = await core.traffic.meter(items);
  const hostOf = (v: VmView) => v.hostId ?? traffic.get(v.id)?.lastHostId ?? null;
  const hosts = await core.nodes.serials('host', [...new Set(items.map(hostOf).filter((h): h is string => !!h))]);
  const templates = await core.nodes.serials('template', [...new Set(items.map((v) => v.templateId))]);
  return items.map((v) => {
    const h = hostOf(v);
    return {
      serial: v.serial,
      hostname: v.name,
      nodeSerial: h ? (hosts.get(h) ?? null) : null,
      location: v.zoneName,
      templateSerial: templates.get(v.templateId) ?? null,
      memoryMb: v.memoryMb,
      diskBytes: v.rootDiskSize,
      cpuCount: v.cpuCount,
      traffic: traffic.get(v.id)!,
    };
  });
}
