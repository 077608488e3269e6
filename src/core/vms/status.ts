/** A VM's live status as its hypervisor reports it: power, memory and disk in use. */
import type { CoreDeps } from '../deps.js';
import type { VmView } from './model.js';

/** The power a VM reports; unknown when its host cannot be reached. */
export type VmPower = 'running' | 'stopped' | 'suspended' | 'terminated' | 'unknown';

/** Live status and usage of a VM. */
export interface VmLiveStatus {
  power: VmPower;
  memoryUsedBytes: number;
  diskUsedBytes: number;
}

/** Power from the driver (the stored state when the VM is not defined there), and memory and disk use while running. */
export async function liveStatus(deps: CoreDeps, vm: VmView): Promise<VmLiveStatus> {
  const power = await livePower(deps, vm);
  const m = power === 'running' && deps.driver ? await deps.driver.metrics(vm.id).catch(() => null) : null;
  const disk = m ? ((m as { diskUsedBytes?: number }).diskUsedBytes ?? Math.min(vm.rootDiskSize, m.diskWriteBytes)) : 0;
  return { power, memoryUsedBytes: m?.memoryUsedBytes ?? 0, diskUsedBytes: disk };
}

async function livePower(deps: CoreDeps, vm: VmView): Promise<VmPower> {
  if (vm.state === 'suspended' || vm.state === 'terminated') return vm.state;
  const p = deps.driver ? await deps.driver.status(vm.id).catch(() => 'unknown' as const) : 'absent';
  if (p === 'unknown') return 'unknown';
  if (p === 'running' || p === 'stopped') return p;
  if (vm.state === 'error') return 'unknown';
  return vm.state === 'running' || vm.state === 'rebooting' || vm.state === 'stopping' ? 'running' : 'stopped';
}
