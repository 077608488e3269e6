/** BackupService: copies of one VM disk's bytes kept apart from the volume, listed per VM and restored onto any stopped VM's disk. */
import type { Q } from '../../store/db.js';
import type { BackupRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { vmDisk } from './vm-disk.js';

/** A backup as every dialect sees it. */
export interface BackupView {
  id: string;
  name: string;
  vmId: string;
  vmName: string;
  /** 1-based index of the backed-up disk among the VM's disks. */
  diskIndex: number;
  volumeId: string;
  size: number;
  note: string;
  /** The backup definition (schedule) that took it; null for a backup taken by hand. */
  definitionId: string | null;
  definitionName: string | null;
  /** creating (its bytes are being copied), ok, restoring (being copied onto a disk). */
  state: 'creating' | 'ok' | 'restoring';
  createdAt: string;
}

/** What a new backup is: which disk of the VM, its name and note, and the definition it belongs to (by name). */
export interface BackupInput {
  diskIndex: number;
  name: string;
  note?: string;
  defName?: string;
}

/** Filters of a backup list. */
export interface BackupFilter {
  vmId?: string;
  diskIndex?: number;
  definitionId?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Refuses a backup or snapshot name that is empty, too long or has characters other than letters, digits, `.`, `_` and `-`. */
function checkName(name: string, what: string): string {
  if (!NAME.test(name))
    throw invalid(
      `A ${what} name is 1 to 64 letters, digits, dots, underscores and dashes, starting with a letter or digit`,
      'name',
    );
  return name;
}

/** Reads and changes the caller's backups. */
export class BackupService {
  constructor(private readonly deps: CoreDeps) {}

  /** The caller's live backups, newest first. */
  async list(ctx: CallContext, f: BackupFilter = {}): Promise<BackupView[]> {
    let q = this.deps.store.db
      .selectFrom('backups')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null);
    if (f.vmId) q = q.where('vm_id', '=', f.vmId);
    if (f.diskIndex !== undefined) q = q.where('disk_index', '=', f.diskIndex);
    if (f.definitionId) q = q.where('definition_id', '=', f.definitionId);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return this.views(rows);
  }

  /** One of the caller's backups, or NotFound (also for another account's). */
  async get(ctx: CallContext, id: string): Promise<BackupView> {
    const [view] = await this.views([await this.row(this.deps.store.db, ctx, id)]);
    return view!;
  }

  /** The caller's live backup of the VM with this name, or NotFound. */
  async byName(ctx: CallContext, vmId: string, name: string): Promise<BackupView> {
    const row = await this.deps.store.db
      .selectFrom('backups')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .where('vm_id', '=', vmId)
      .where('name', '=', name)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound('backup', name, 'object');
    const [view] = await this.views([row]);
    return view!;
  }

  /** Backs up a disk of one of the caller's VMs: the row now (state creating), its bytes copied by a task holding the volume. The receipt names the backup. */
  async create(ctx: CallContext, vmId: string, input: BackupInput): Promise<TaskReceipt> {
    const { store } = this.deps;
    const name = checkName(input.name, 'backup');
    const note = input.note ?? '';
    if (note.length > 1024) throw invalid('A note is at most 1024 characters', 'note');
    const id = newId();
    const taskId = await store.tx(async (trx) => {
      const disk = await vmDisk(trx, ctx, vmId, input.diskIndex);
      if (disk.volume.state !== 'Ready')
        throw conflict(`Disk ${disk.index} of ${disk.vm.name} holds no data yet; deploy the VM first`, 'wrong_state');
      let definitionId: string | null = null;
      if (input.defName !== undefined) {
        const def = await trx
          .selectFrom('disk_schedules')
          .select('id')
          .where('vm_id', '=', disk.vm.id)
          .where('kind', '=', 'backup')
          .where('name', '=', input.defName)
          .executeTakeFirst();
        if (!def) throw notFound('backup definition', input.defName, 'object');
        definitionId = def.id;
      }
      await this.refuseTakenName(trx, disk.vm.id, name);
      await trx
        .insertInto('backups')
        .values({
          id,
          account_id: ctx.accountId,
          vm_id: disk.vm.id,
          disk_index: disk.index,
          volume_id: disk.volume.id,
          name,
          size: Number(disk.volume.size),
          note,
          definition_id: definitionId,
          state: 'creating',
          created_at: nowIso(),
          removed_at: null,
        })
        .execute();
      return enqueueTask(store, trx, {
        kind: 'backup.create',
        objectType: 'volume',
        objectId: disk.volume.id,
        payload: { backupId: id, vmId: disk.vm.id },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** Changes a backup's note; one finished task. */
  async setNote(ctx: CallContext, id: string, note: string): Promise<TaskReceipt> {
    if (note.length > 1024) throw invalid('A note is at most 1024 characters', 'note');
    return this.deps.store.tx(async (trx) => {
      await this.row(trx, ctx, id);
      await trx.updateTable('backups').set({ note }).where('id', '=', id).execute();
      return recordSyncChange(trx, { objectType: 'backup', objectId: id, ctx, payload: { action: 'update' } });
    });
  }

  /** Deletes a backup and its bytes (not while it is being taken or restored); one finished task. */
  async remove(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const receipt = await this.deps.store.tx(async (trx) => {
      const row = await this.row(trx, ctx, id);
      if (row.state !== 'ok')
        throw conflict(`Backup ${row.name} is being ${row.state === 'creating' ? 'taken' : 'restored'}`, 'busy');
      await trx.updateTable('backups').set({ removed_at: nowIso() }).where('id', '=', id).execute();
      return recordSyncChange(trx, { objectType: 'backup', objectId: id, ctx, payload: { action: 'delete' } });
    });
    await this.deps.storage?.removeBackup(id);
    return receipt;
  }

  /**
   * Makes a disk of one of the caller's stopped VMs (the backed-up one or any other) hold the backup's bytes, as a task
   * holding that volume. A target disk larger than the backup keeps its size (the rest reads as zeros); a smaller one is
   * refused. The receipt names the backup.
   */
  async restore(
    ctx: CallContext,
    id: string,
    to: { targetVmId: string; targetDiskIndex: number },
  ): Promise<TaskReceipt> {
    const { store } = this.deps;
    const taskId = await store.tx(async (trx) => {
      const bkp = await this.row(trx, ctx, id);
      if (bkp.state !== 'ok')
        throw conflict(`Backup ${bkp.name} is being ${bkp.state === 'creating' ? 'taken' : 'restored'}`, 'busy');
      const target = await vmDisk(trx, ctx, to.targetVmId, to.targetDiskIndex, 'targetDiskIndex');
      if (target.vm.state !== 'stopped')
        throw conflict(
          `Virtual machine ${target.vm.name} must be stopped to restore a backup onto its disk (it is ${target.vm.state})`,
          'wrong_state',
        );
      if (Number(target.volume.size) < Number(bkp.size))
        throw invalid(
          `Disk ${target.index} of ${target.vm.name} (${target.volume.size} bytes) is smaller than backup ${bkp.name} (${bkp.size} bytes)`,
          'targetDiskIndex',
        );
      const payload = { backupId: id, vmId: target.vm.id };
      const taskId = await enqueueTask(store, trx, {
        kind: 'backup.restore',
        objectType: 'volume',
        objectId: target.volume.id,
        payload,
        ctx,
      });
      await trx.updateTable('backups').set({ state: 'restoring' }).where('id', '=', id).execute();
      return taskId;
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** The caller's live backup row, or NotFound. */
  private async row(q: Q, ctx: CallContext, id: string): Promise<BackupRow> {
    const row = await q
      .selectFrom('backups')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row || row.removed_at) throw notFound('backup', id, 'object');
    return row;
  }

  /** Conflict exists when the VM has a live backup of this name. */
  private async refuseTakenName(q: Q, vmId: string, name: string): Promise<void> {
    const taken = await q
      .selectFrom('backups')
      .select('id')
      .where('vm_id', '=', vmId)
      .where('name', '=', name)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (taken) throw conflict(`A backup named ${name} already exists for this virtual machine`, 'exists');
  }

  private async views(rows: BackupRow[]): Promise<BackupView[]> {
    if (rows.length === 0) return [];
    const db = this.deps.store.db;
    const vmIds = [...new Set(rows.map((r) => r.vm_id))];
    const vms = await db.selectFrom('vms').select(['id', 'name']).where('id', 'in', vmIds).execute();
    const defIds = [...new Set(rows.flatMap((r) => (r.definition_id ? [r.definition_id] : [])))];
    const defs = defIds.length
      ? await db.selectFrom('disk_schedules').select(['id', 'name']).where('id', 'in', defIds).execute()
      : [];
    const vmName = new Map(vms.map((v) => [v.id, v.name]));
    const defName = new Map(defs.map((d) => [d.id, d.name]));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      vmId: r.vm_id,
      vmName: vmName.get(r.vm_id) ?? '',
      diskIndex: Number(r.disk_index),
      volumeId: r.volume_id,
      size: Number(r.size),
      note: r.note,
      definitionId: r.definition_id,
      definitionName: r.definition_id ? (defName.get(r.definition_id) ?? null) : null,
      state: r.state as BackupView['state'],
      createdAt: r.created_at,
    }));
  }
}
