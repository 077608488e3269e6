/** /vm/<vm>/snapshot/: a VM's disk snapshots (the same core snapshots CloudStack lists): list, sync, take, note, rollback, delete. */
import type { VmSnapshotView } from '../../../core/snapshots/vm-snapshots.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, failure, ok, taskStarted } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { checkName, pathVm, snapshotView, withFields } from './vm-disk-views.js';

const DISK = { type: 'int', default: 1, min: 1, max: 16 } as const;
const ORDER = ['name', 'disk_id', 'size', 'created'] as const;

/** The VM's snapshot of the path on the request's disk_id (1 by default), or 404 Snapshot not found. */
async function pathSnapshot(q: DanubeRequest, vmId: string, name: string, diskIndex: number): Promise<VmSnapshotView> {
  try {
    return await q.core.vmSnapshots.get(q.ctx, vmId, name, diskIndex);
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound' && err.reason === 'object')
      throw apiError(404, 'Snapshot not found');
    throw err;
  }
}

/** Refuses a snapshot being taken or rolled back with 417, as Danube does. */
function requireOk(s: VmSnapshotView): void {
  if (s.state !== 'BackedUp') throw apiError(417, 'VM snapshot status is not OK');
}

/** Registers the VM snapshot routes. */
export function vmSnapshotRoutes(r: DanubeRouter): void {
  r.get(
    '/vm/:vm/snapshot/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, {
        disk_id: { type: 'int', min: 1, max: 16 },
        type: { type: 'int', choices: [1, 2] },
        define: { type: 'str' },
      });
      const snaps = await q.core.vmSnapshots.list(q.ctx, vm.id, {
        diskIndex: p.disk_id,
        type: p.type === undefined ? undefined : p.type === 1 ? 'auto' : 'manual',
        definitionName: p.define,
      });
      const views = sortBy(
        q,
        snaps.map((s) => snapshotView(s, vm.name)),
        ORDER,
        '-created',
      );
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.name));
    },
    "The VM's snapshots (names, or objects with full).",
  );
  r.put(
    '/vm/:vm/snapshot/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK });
      const receipt = await withFields(q, () => q.core.vmSnapshots.sync(q.ctx, vm.id, p.disk_id));
      return taskStarted(q, receipt, { msg: "Synchronize snapshots of server's disk", objectName: vm.name });
    },
    "Synchronizes the VM disk's snapshots with storage.",
  );
  r.delete(
    '/vm/:vm/snapshot/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK, snapnames: { type: 'list', required: true } });
      const names = p.snapnames!.map(String);
      if (names.length === 0) throw failure(q, { snapnames: ['This field is required.'] });
      const snaps = await Promise.all(names.map((n) => pathSnapshot(q, vm.id, n, p.disk_id!)));
      snaps.forEach(requireOk);
      let last;
      for (const s of snaps) last = await q.core.snapshots.delete(q.ctx, s.id);
      return taskStarted(q, last!, { msg: "Delete snapshots of server's disk", objectName: vm.name });
    },
    "Deletes several of the VM disk's snapshots (snapnames).",
  );

  r.get(
    '/vm/:vm/snapshot/:snapname/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK });
      return ok(q, snapshotView(await pathSnapshot(q, vm.id, q.params.snapname!, p.disk_id!), vm.name));
    },
    'One snapshot.',
  );
  r.post(
    '/vm/:vm/snapshot/:snapname/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK, note: { type: 'str', maxLength: 128 }, fsfreeze: { type: 'bool' } });
      const name = checkName(q, q.params.snapname!, 24);
      const receipt = await withFields(q, () =>
        q.core.vmSnapshots.create(q.ctx, vm.id, { name, diskIndex: p.disk_id, note: p.note }),
      ).catch((err: unknown) => {
        if (err instanceof CoreError && err.reason === 'exists') throw apiError(406, 'Snapshot already exists');
        throw err;
      });
      return taskStarted(q, receipt, { msg: "Create snapshot of server's disk", objectName: vm.name });
    },
    "Takes a snapshot of the VM's disk.",
  );
  r.put(
    '/vm/:vm/snapshot/:snapname/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, {
        disk_id: DISK,
        note: { type: 'str', maxLength: 128 },
        force: { type: 'bool', default: true },
        target_hostname_or_uuid: { type: 'str' },
        target_disk_id: { type: 'int', min: 1, max: 16 },
      });
      const snap = await pathSnapshot(q, vm.id, q.params.snapname!, p.disk_id!);
      if (p.note !== undefined) {
        const receipt = await q.core.vmSnapshots.setNote(q.ctx, vm.id, snap.name, p.note, p.disk_id);
        const changed = await pathSnapshot(q, vm.id, snap.name, p.disk_id!);
        return ok(q, snapshotView(changed, vm.name), { taskId: receipt.taskId });
      }
      requireOk(snap);
      const ref = p.target_hostname_or_uuid;
      const target =
        ref === undefined || ref === vm.name || ref === vm.id ? vm : await q.core.vms.byNameOrId(q.ctx, ref);
      const targetDisk = p.target_disk_id ?? p.disk_id!;
      if (target.id !== vm.id || targetDisk !== p.disk_id) {
        const disk = await withFields(q, () =>
          q.core.vmSnapshots.disk(q.ctx, target.id, targetDisk, 'targetDiskIndex'),
        );
        if (disk.size !== snap.size) throw apiError(428, 'Disk size mismatch');
        if (!p.force && (await q.core.vmSnapshots.list(q.ctx, target.id, { diskIndex: targetDisk })).length > 0)
          throw apiError(417, 'Target VM has snapshots');
        if (target.state !== 'stopped') throw apiError(423, 'VM is not stopped');
        const receipt = await withFields(q, () =>
          q.core.vmSnapshots.restoreTo(q.ctx, vm.id, snap.name, p.disk_id!, {
            targetVmId: target.id,
            targetDiskIndex: targetDisk,
          }),
        );
        return taskStarted(q, receipt, { msg: "Rollback snapshot of server's disk", objectName: target.name });
      }
      if (!p.force) {
        const newest = (await q.core.vmSnapshots.list(q.ctx, vm.id, { diskIndex: p.disk_id })).at(-1);
        if (newest && newest.id !== snap.id) throw apiError(417, 'VM has more recent snapshots');
      }
      if (vm.state !== 'stopped') throw apiError(423, 'VM is not stopped');
      const receipt = await q.core.vmSnapshots.rollback(q.ctx, vm.id, snap.name, p.disk_id);
      return taskStarted(q, receipt, { msg: "Rollback snapshot of server's disk", objectName: vm.name });
    },
    'Rolls the disk (or target_disk_id of target_hostname_or_uuid) back to the snapshot, VM stopped; or changes its note.',
  );
  r.delete(
    '/vm/:vm/snapshot/:snapname/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK });
      const snap = await pathSnapshot(q, vm.id, q.params.snapname!, p.disk_id!);
      requireOk(snap);
      const receipt = await q.core.snapshots.delete(q.ctx, snap.id);
      return taskStarted(q, receipt, { msg: "Delete snapshot of server's disk", objectName: vm.name });
    },
    'Deletes the snapshot.',
  );
}
