/** SnapshotService: point-in-time copies of volumes: list, create, delete and revert, checked against the caller's account. */
import type { Q } from '../../store/db.js';
import type { SnapshotRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { enqueueTask } from '../../tasks/queue.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { loadSnapshotViews, type SnapshotView } from '../volumes/model.js';
import type { VolumeService } from '../volumes/service.js';
import { deleteTagsOf } from '../tags/service.js';
import { taggedIds } from '../tags/service.js';
import { countedPage } from '../../store/page.js';
import { reserveQuota } from '../quotas/service.js';

/** Filters of a snapshot list. */
export interface SnapshotFilter {
  id?: string;
  name?: string;
  keyword?: string;
  volumeId?: string;
  zoneId?: string;
  tags?: Array<{ key: string; value?: string }>;
  page?: number;
  pageSize?: number;
}

/** CloudStack's snapshot name: `<vm>_<volume>_<yyyyMMddHHmmss>` in UTC, with "detached" for a volume without VM. */
function snapshotName(vmName: string | null, volumeName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${vmName ?? 'detached'}_${volumeName}_${stamp}`;
}

/** Reads and changes the caller's snapshots. */
export class SnapshotService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly volumes: VolumeService,
  ) {}

  /** One page of the caller's snapshots and the total count. */
  async list(ctx: CallContext, f: SnapshotFilter = {}): Promise<Page<SnapshotView>> {
    const db = this.deps.store.db;
    let q = db.selectFrom('snapshots').where('account_id', '=', ctx.accountId).where('removed_at', 'is', null);
    if (f.id) q = q.where('id', '=', f.id);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.volumeId) q = q.where('volume_id', '=', f.volumeId);
    if (f.zoneId)
      q = q.where('volume_id', 'in', (eb) => eb.selectFrom('volumes').select('id').where('zone_id', '=', f.zoneId!));
    if (f.keyword) q = q.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${f.keyword!.toLowerCase()}%`));
    if (f.tags?.length) {
      q = q.where('id', 'in', taggedIds(db, ctx.accountId, f.tags));
    }
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), f);
    return { count, items: await loadSnapshotViews(db, this.deps.catalog, rows) };
  }

  /** One of the caller's snapshots, or NotFound (also for another account's snapshot). */
  async get(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<SnapshotView> {
    const row = await this.row(this.deps.store.db, ctx, id, opts);
    const [view] = await loadSnapshotViews(this.deps.store.db, this.deps.catalog, [row]);
    return view!;
  }

  /** The caller's snapshot row, or NotFound. */
  async row(q: Q, ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<SnapshotRow> {
    const row = await q
      .selectFrom('snapshots')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row || (row.removed_at && !opts.includeRemoved)) throw notFound('snapshot', id, 'object');
    return row;
  }

  /** Takes a snapshot of a volume that holds data (Ready); the copy runs as a task holding the volume. The receipt names the snapshot. */
  async create(
    ctx: CallContext,
    volumeId: string,
    name?: string,
    extra: { note?: string; definitionId?: string } = {},
  ): Promise<TaskReceipt> {
    const { store } = this.deps;
    const id = newId();
    const taskId = await store.tx(async (trx) => {
      await reserveQuota(this.deps, trx, ctx.accountId, { snapshots: 1 });
      const vol = await this.volumes.row(trx, ctx, volumeId);
      if (vol.state !== 'Ready') {
        throw invalid(
          `Volume ${vol.name} has never been attached and holds no data; attach it to a virtual machine before taking a snapshot`,
          'volumeId',
        );
      }
      const vm = vol.vm_id
        ? await trx.selectFrom('vms').select('name').where('id', '=', vol.vm_id).executeTakeFirst()
        : undefined;
      const now = new Date();
      const snapName = name?.trim() || snapshotName(vm?.name ?? null, vol.name, now);
      if (snapName.length > 255) throw invalid('A snapshot name must be at most 255 characters', 'name');
      await trx
        .insertInto('snapshots')
        .values({
          id,
          account_id: ctx.accountId,
          volume_id: vol.id,
          name: snapName,
          state: 'Creating',
          size: Number(vol.size),
          volume_type: vol.type,
          created_at: now.toISOString(),
          removed_at: null,
          note: extra.note ?? null,
          definition_id: extra.definitionId ?? null,
        })
        .execute();
      return enqueueTask(store, trx, {
        kind: 'snapshot.create',
        objectType: 'volume',
        objectId: vol.id,
        payload: { snapshotId: id },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** Changes a snapshot's note; one finished task. */
  async setNote(ctx: CallContext, id: string, note: string): Promise<TaskReceipt> {
    if (note.length > 1024) throw invalid('A note is at most 1024 characters', 'note');
    return this.deps.store.tx(async (trx) => {
      await this.row(trx, ctx, id);
      await trx.updateTable('snapshots').set({ note }).where('id', '=', id).execute();
      return recordSyncChange(trx, { objectType: 'snapshot', objectId: id, ctx, payload: { action: 'update' } });
    });
  }

  /** Deletes a finished snapshot and its data; answered as a finished task. */
  async delete(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const receipt = await this.deps.store.tx(async (trx) => {
      const snap = await this.row(trx, ctx, id);
      if (snap.state !== 'BackedUp')
        throw conflict(`Snapshot ${snap.name} is still being created; try again when it has finished`, 'busy');
      await trx.updateTable('snapshots').set({ removed_at: nowIso() }).where('id', '=', id).execute();
      await deleteTagsOf(trx, id);
      return recordSyncChange(trx, { objectType: 'snapshot', objectId: id, ctx });
    });
    await this.deps.storage?.removeSnapshot(id);
    return receipt;
  }

  /** Restores the snapshot's volume to the snapshot's bytes and size as a task holding the volume; its VM, if any, must be stopped. The receipt names the snapshot. */
  async revert(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const { store } = this.deps;
    const taskId = await store.tx(async (trx) => {
      const snap = await this.row(trx, ctx, id);
      if (snap.state !== 'BackedUp')
        throw conflict(`Snapshot ${snap.name} is still being created; try again when it has finished`, 'busy');
      const vol = await trx.selectFrom('volumes').selectAll().where('id', '=', snap.volume_id).executeTakeFirst();
      if (!vol || vol.removed_at)
        throw invalid(
          `The volume of snapshot ${snap.name} no longer exists; create a new volume from the snapshot instead`,
          'id',
        );
      if (vol.vm_id) {
        const vm = await trx.selectFrom('vms').select(['name', 'state']).where('id', '=', vol.vm_id).executeTakeFirst();
        if (vm && vm.state !== 'stopped') {
          throw conflict(
            `Virtual machine ${vm.name} must be stopped to revert a snapshot of its volume (it is ${vm.state})`,
            'wrong_state',
          );
        }
      }
      return enqueueTask(store, trx, {
        kind: 'snapshot.revert',
        objectType: 'volume',
        objectId: vol.id,
        payload: { snapshotId: id, vmId: vol.vm_id },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }
}
