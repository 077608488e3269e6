/** A VM's disks by 1-based index (Danube's disk_id): the VM's live volumes ordered by device id. */
import type { Q } from '../../store/db.js';
import type { VmRow, VolumeRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { invalid } from '../../lib/errors.js';
import { vmRow } from '../vms/rows.js';

/** One disk of one of the caller's VMs. */
export interface VmDisk {
  vm: VmRow;
  volume: VolumeRow;
  /** 1-based position among the VM's disks. */
  index: number;
}

/** The VM's live volumes, first disk (device 0, the root disk) first. */
async function vmVolumes(q: Q, vmId: string): Promise<VolumeRow[]> {
  return q
    .selectFrom('volumes')
    .selectAll()
    .where('vm_id', '=', vmId)
    .where('removed_at', 'is', null)
    .orderBy('device_id')
    .orderBy('created_at')
    .execute();
}

/** The caller's VM (NotFound otherwise) and its disk at the 1-based index (Invalid `diskIndex` when it has none there). */
export async function vmDisk(
  q: Q,
  ctx: CallContext,
  vmId: string,
  index: number,
  field = 'diskIndex',
): Promise<VmDisk> {
  const vm = await vmRow(q, ctx, vmId);
  if (!Number.isSafeInteger(index) || index < 1) throw invalid('A disk index is a whole number from 1', field);
  const volume = (await vmVolumes(q, vm.id))[index - 1];
  if (!volume) throw invalid(`Virtual machine ${vm.name} has no disk ${index}`, field);
  return { vm, volume, index };
}
