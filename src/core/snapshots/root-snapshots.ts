/** Snapshots of VMs' root volumes across an account (the REST API's VPS snapshots): one query with the VM and whether a restore runs. */
import type { Q } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { Page } from '../../lib/page.js';
import { parseJson } from '../../lib/util.js';
import { countedPage } from '../../store/page.js';
import type { CatalogService } from '../catalog/service.js';
import type { VmState } from '../vms/model.js';
import { loadSnapshotViews, type SnapshotView } from '../volumes/model.js';

/** A snapshot of a VM's root volume, with its VM and whether the VM's disk is being put back to it. */
export interface RootSnapshotView extends SnapshotView {
  vmId: string;
  vmName: string;
  vmState: VmState;
  /** True while a revert of the root volume to this snapshot is queued or running. */
  restoring: boolean;
}

/** Filters of a root-snapshot list. */
export interface RootSnapshotFilter {
  vmId?: string;
  snapshotId?: string;
  page?: number;
  pageSize?: number;
}

/** One page of the account's live snapshots of its live VMs' root volumes, oldest first, with the total. */
export async function rootSnapshotPage(
  q: Q,
  catalog: CatalogService,
  ctx: CallContext,
  f: RootSnapshotFilter,
): Promise<Page<RootSnapshotView>> {
  let base = q
    .selectFrom('snapshots as s')
    .innerJoin('volumes as v', 'v.id', 's.volume_id')
    .innerJoin('vms as m', 'm.id', 'v.vm_id')
    .where('s.account_id', '=', ctx.accountId)
    .where('s.removed_at', 'is', null)
    .where('v.type', '=', 'ROOT')
    .where('v.removed_at', 'is', null)
    .where('m.removed_at', 'is', null);
  if (f.vmId) base = base.where('m.id', '=', f.vmId);
  if (f.snapshotId) base = base.where('s.id', '=', f.snapshotId);
  const { count, rows } = await countedPage(
    base,
    base
      .selectAll('s')
      .select(['m.id as vm_id', 'm.name as vm_name', 'm.state as vm_state'])
      .orderBy('s.created_at')
      .orderBy('s.id'),
    f,
  );
  const views = await loadSnapshotViews(q, catalog, rows);
  const restoring = await restoringSnapshots(
    q,
    rows.map((r) => r.volume_id),
  );
  return {
    count,
    items: views.map((v, i) => ({
      ...v,
      vmId: rows[i]!.vm_id,
      vmName: rows[i]!.vm_name,
      vmState: rows[i]!.vm_state as VmState,
      restoring: restoring.has(v.id),
    })),
  };
}

/** The snapshots some volumes are being reverted to (a snapshot.revert task not yet ended). */
async function restoringSnapshots(q: Q, volumeIds: string[]): Promise<Set<string>> {
  if (volumeIds.length === 0) return new Set();
  const tasks = await q
    .selectFrom('tasks')
    .select('payload')
    .where('kind', '=', 'snapshot.revert')
    .where('object_type', '=', 'volume')
    .where('object_id', 'in', [...new Set(volumeIds)])
    .where('status', 'in', ['PENDING', 'STARTED'])
    .execute();
  return new Set(tasks.map((t) => parseJson<{ snapshotId?: string }>(t.payload, {}).snapshotId ?? ''));
}
