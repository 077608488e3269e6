/** Snapshots seen per VM disk (Danube's view): the same core snapshots CloudStack lists, addressed by VM, disk index and name. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { enqueueTask } from '../../tasks/queue.js';
import type { TaskReceipt } from '../receipt.js';
import type { SnapshotView } from '../volumes/model.js';
import type { SnapshotService } from './service.js';
import { vmDisk } from '../backups/vm-disk.js';
import { recordSyncChange } from '../sync-change.js';
import { vmRow } from '../vms/rows.js';
import type { Page } from '../../lib/page.js';
import { rootSnapshotPage, type RootSnapshotFilter, type RootSnapshotView } from './root-snapshots.js';

/** A snapshot of one of a VM's disks. */
export interface VmSnapshotView extends SnapshotView {
  vmId: string;
  /** 1-based index of the snapshot's disk among the VM's disks. */
  diskIndex: number;
  /** The name of the snapshot definition that took it; null for one taken by hand (or whose definition is deleted). */
  definitionName: string | null;
}

/** Filters of a VM's snapshot list. */
export interface VmSnapshotFilter {
  diskIndex?: number;
  /** auto: taken by a definition; manual: taken by hand. */
  type?: 'auto' | 'manual';
  definitionName?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Lists, takes, rolls back, annotates and deletes a VM's snapshots by disk and name. */
export class VmSnapshotService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly snapshots: SnapshotService,
  ) {}

  /** A disk of one of the caller's VMs: its volume and size in bytes (Invalid on `field` when the VM has no such disk). */
  async disk(
    ctx: CallContext,
    vmId: string,
    diskIndex: number,
    field = 'diskIndex',
  ): Promise<{ volumeId: string; size: number }> {
    const d = await vmDisk(this.deps.store.db, ctx, vmId, diskIndex, field);
    return { volumeId: d.volume.id, size: Number(d.volume.size) };
  }

  /** Checks a VM disk's snapshots against storage: they are always in step here, so this only records one finished task on the VM. */
  async sync(ctx: CallContext, vmId: string, diskIndex = 1): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const disk = await vmDisk(trx, ctx, vmId, diskIndex);
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: disk.vm.id,
        ctx,
        payload: { action: 'snapshot_sync', diskIndex: disk.index },
      });
    });
  }

  /** The caller's VM's live snapshots of its disks (NotFound for another account's VM), oldest first. */
  async list(ctx: CallContext, vmId: string, f: VmSnapshotFilter = {}): Promise<VmSnapshotView[]> {
    const db = this.deps.store.db;
    const vm = await vmRow(db, ctx, vmId);
    const vols = await db
      .selectFrom('volumes')
      .select(['id'])
      .where('vm_id', '=', vm.id)
      .where('removed_at', 'is', null)
      .orderBy('device_id')
      .orderBy('created_at')
      .execute();
    const indexOf = new Map(vols.map((v, i) => [v.id, i + 1]));
    const defs = await db
      .selectFrom('disk_schedules')
      .select(['id', 'name'])
      .where('vm_id', '=', vm.id)
      .where('kind', '=', 'snapshot')
      .execute();
    const defName = new Map(defs.map((d) => [d.id, d.name]));
    const out: VmSnapshotView[] = [];
    for (const vol of vols) {
      const page = await this.snapshots.list(ctx, { volumeId: vol.id });
      for (const s of page.items) {
        const view = {
          ...s,
          vmId: vm.id,
          diskIndex: indexOf.get(s.volumeId)!,
          definitionName: s.definitionId ? (defName.get(s.definitionId) ?? null) : null,
        };
        if (f.diskIndex !== undefined && view.diskIndex !== f.diskIndex) continue;
        if (f.type === 'auto' && !s.definitionId) continue;
        if (f.type === 'manual' && s.definitionId) continue;
        if (f.definitionName !== undefined && view.definitionName !== f.definitionName) continue;
        out.push(view);
      }
    }
    return out.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  /** The VM's snapshot of that disk (1 by default) with this name, or NotFound. */
  async get(ctx: CallContext, vmId: string, name: string, diskIndex = 1): Promise<VmSnapshotView> {
    const found = (await this.list(ctx, vmId, { diskIndex })).find((s) => s.name === name);
    if (!found) throw notFound('snapshot', name, 'object');
    return found;
  }

  /** Takes a snapshot of a VM disk under a name unique on that disk (Conflict exists); a task, as core snapshots are. */
  async create(
    ctx: CallContext,
    vmId: string,
    input: { name: string; diskIndex?: number; note?: string },
  ): Promise<TaskReceipt> {
    if (!NAME.test(input.name))
      throw invalid(
        'A snapshot name is 1 to 64 letters, digits, dots, underscores and dashes, starting with a letter or digit',
        'name',
      );
    if ((input.note ?? '').length > 1024) throw invalid('A note is at most 1024 characters', 'note');
    const disk = await vmDisk(this.deps.store.db, ctx, vmId, input.diskIndex ?? 1, 'diskIndex');
    const taken = (await this.list(ctx, vmId, { diskIndex: disk.index })).some((s) => s.name === input.name);
    if (taken) throw conflict(`A snapshot named ${input.name} already exists on this disk`, 'exists');
    return this.snapshots.create(ctx, disk.volume.id, input.name, { note: input.note });
  }

  /** Puts a VM disk back to the snapshot's bytes; the VM must be stopped (Conflict wrong_state). */
  async rollback(ctx: CallContext, vmId: string, name: string, diskIndex = 1): Promise<TaskReceipt> {
    return this.snapshots.revert(ctx, (await this.get(ctx, vmId, name, diskIndex)).id);
  }

  /**
   * Copies a snapshot of one VM disk onto a disk of the same size of another of the caller's VMs, which must be
   * stopped (Conflict wrong_state); a different size is Invalid on targetDiskIndex. A task holding the target volume.
   */
  async restoreTo(
    ctx: CallContext,
    vmId: string,
    name: string,
    diskIndex: number,
    to: { targetVmId: string; targetDiskIndex: number },
  ): Promise<TaskReceipt> {
    const snap = await this.get(ctx, vmId, name, diskIndex);
    if (snap.state !== 'BackedUp')
      throw conflict(`Snapshot ${snap.name} is still being created; try again when it has finished`, 'busy');
    const { store } = this.deps;
    const taskId = await store.tx(async (trx) => {
      const target = await vmDisk(trx, ctx, to.targetVmId, to.targetDiskIndex, 'targetDiskIndex');
      if (target.vm.state !== 'stopped')
        throw conflict(
          `Virtual machine ${target.vm.name} must be stopped to restore a snapshot onto its disk (it is ${target.vm.state})`,
          'wrong_state',
        );
      if (Number(target.volume.size) !== snap.size)
        throw invalid(
          `Disk ${target.index} of ${target.vm.name} (${target.volume.size} bytes) is not the size of snapshot ${snap.name} (${snap.size} bytes)`,
          'targetDiskIndex',
        );
      return enqueueTask(store, trx, {
        kind: 'snapshot.revert',
        objectType: 'volume',
        objectId: target.volume.id,
        payload: { snapshotId: snap.id, vmId: target.vm.id },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: snap.id };
  }

  /** Changes the note of a VM's snapshot; one finished task. */
  async setNote(ctx: CallContext, vmId: string, name: string, note: string, diskIndex = 1): Promise<TaskReceipt> {
    return this.snapshots.setNote(ctx, (await this.get(ctx, vmId, name, diskIndex)).id, note);
  }

  /** Deletes a VM's snapshot; one finished task. */
  async delete(ctx: CallContext, vmId: string, name: string, diskIndex = 1): Promise<TaskReceipt> {
    return this.snapshots.delete(ctx, (await this.get(ctx, vmId, name, diskIndex)).id);
  }

  /** One page of the caller's snapshots of its VMs' root volumes (NotFound for another account's vmId), oldest first. */
  async rootList(ctx: CallContext, f: Omit<RootSnapshotFilter, 'snapshotId'> = {}): Promise<Page<RootSnapshotView>> {
    if (f.vmId) await vmRow(this.deps.store.db, ctx, f.vmId);
    return rootSnapshotPage(this.deps.store.db, this.deps.catalog, ctx, f);
  }

  /** The caller's snapshot of a VM's root volume, or NotFound (another account's, or of another volume). */
  async rootGet(ctx: CallContext, snapshotId: string): Promise<RootSnapshotView> {
    const page = await rootSnapshotPage(this.deps.store.db, this.deps.catalog, ctx, { snapshotId });
    const found = page.items[0];
    if (!found) throw notFound('snapshot', snapshotId, 'object');
    return found;
  }

  /** Takes a snapshot of a VM's root volume under any name of 1-255 characters unique on that disk (Conflict exists), with a note; the receipt and the new snapshot. */
  async rootCreate(
    ctx: CallContext,
    vmId: string,
    input: { name: string; note?: string },
  ): Promise<{ receipt: TaskReceipt; snapshot: RootSnapshotView }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 255) throw invalid('A snapshot name is 1 to 255 characters', 'name');
    if ((input.note ?? '').length > 1024) throw invalid('A note is at most 1024 characters', 'note');
    const disk = await vmDisk(this.deps.store.db, ctx, vmId, 1, 'vmId');
    if (disk.volume.state !== 'Ready')
      throw invalid(`Virtual machine ${disk.vm.name} has never run, so its disk holds nothing to snapshot yet`, 'vmId');
    const taken = (await this.list(ctx, vmId, { diskIndex: 1 })).some((s) => s.name === name);
    if (taken) throw conflict(`A snapshot named ${name} already exists on this disk`, 'exists');
    const receipt = await this.snapshots.create(ctx, disk.volume.id, name, input.note ? { note: input.note } : {});
    return { receipt, snapshot: await this.rootGet(ctx, receipt.objectId) };
  }

  /** Puts a VM's root volume back to one of its snapshots; the VM must be stopped (Conflict wrong_state). */
  async rootRestore(ctx: CallContext, snapshotId: string): Promise<TaskReceipt> {
    return this.snapshots.revert(ctx, (await this.rootGet(ctx, snapshotId)).id);
  }

  /** Deletes a snapshot of a VM's root volume (Conflict busy while it is being taken or restored); one finished task. */
  async rootDelete(ctx: CallContext, snapshotId: string): Promise<TaskReceipt> {
    const snap = await this.rootGet(ctx, snapshotId);
    if (snap.restoring)
      throw conflict(`Snapshot ${snap.name} is being restored; try again when the restore has finished`, 'busy');
    return this.snapshots.delete(ctx, snap.id);
  }
}
