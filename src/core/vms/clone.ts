/** Cloning a VM: copies of each of its volumes at the same slots, then a VM of the same size on them; a refused clone leaves no copy behind. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { VolumeService } from '../volumes/service.js';
import type { VmView } from './model.js';
import { createVm, type VmCreated } from './create.js';
import type { VmDrive } from './sized.js';

/** What the clone gets besides the source's size and volume copies. */
export interface VmCloneInput {
  /** The clone's display name. */
  name: string;
  /** Extras for the clone (the source's settings the dialect carries over). */
  extras?: Record<string, string>;
  consolePassword?: string;
}

/** Clones the caller's VM `source`: each attached volume is cloned as `<name>-clone`, then the VM is created stopped on the copies. */
export async function cloneVm(
  deps: CoreDeps,
  volumes: VolumeService,
  ctx: CallContext,
  source: VmView,
  input: VmCloneInput,
): Promise<VmCreated> {
  const drives: VmDrive[] = [];
  try {
    for (const v of (await volumes.listDetailed(ctx)).filter((d) => d.volume.vm_id === source.id)) {
      const copy = await volumes.clone(ctx, v.volume.id, { name: `${v.volume.name}-clone` });
      drives.push({ deviceId: Number(v.volume.device_id ?? 0), volumeId: copy.receipt.objectId });
    }
    return await createVm(deps, ctx, {
      name: input.name,
      size: { cpuMhz: source.cpuCount * source.cpuMhz, cpuCount: source.cpuCount, memoryMb: source.memoryMb },
      drives,
      extras: input.extras,
      consolePassword: input.consolePassword,
    });
  } catch (err) {
    // A refused clone (a limit reached, a busy drive) leaves none of the drive copies it made behind.
    for (const d of drives) await volumes.delete(ctx, d.volumeId).catch(() => undefined);
    throw err;
  }
}
