/** VolumeService: the one volume service (create by offering, snapshot or bytes; clone, attach, detach, resize, delete; byte I/O), every call checked against the caller's account. */
import type { Q } from '../../store/db.js';
import type { VolumeRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { enqueueTask } from '../../tasks/queue.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { loadVolumeViews, type VolumeView } from './model.js';
import { GIB, MAX_DATA_DISKS, assertIdle, checkVolumeName, customSizeBytes, pickDeviceId } from './rules.js';
import {
  VolumeData,
  type DetailedVolumeChanged,
  type DetailedVolumeView,
  type SizedVolumeInput,
  type VolumeAttrs,
  type VolumeWriter,
  type WriteData,
} from './data-io.js';
import { deleteTagsOf } from '../tags/service.js';
import { taggedIds } from '../tags/service.js';
import { countedPage } from '../../store/page.js';
import { reserveQuota } from '../quotas/service.js';

/** Filters of a volume list. */
export interface VolumeFilter {
  id?: string;
  name?: string;
  keyword?: string;
  type?: string;
  vmId?: string;
  zoneId?: string;
  tags?: Array<{ key: string; value?: string }>;
  page?: number;
  pageSize?: number;
}

/** Inputs of a new data volume by offering: an offering and zone, or a snapshot to copy. */
export interface OfferingVolumeInput {
  name?: string;
  diskOfferingId?: string;
  zoneId?: string;
  sizeGb?: number;
  snapshotId?: string;
}

/** How detach names its volume: by id, or by the VM and the device slot. */
export interface DetachTarget {
  id?: string;
  vmId?: string;
  deviceId?: number;
}

/** VM states in which volumes may be attached, detached or resized. */
const VM_SETTLED = ['running', 'stopped'];

/** Reads and changes the caller's volumes. */
export class VolumeService {
  private readonly data: VolumeData;

  constructor(private readonly deps: CoreDeps) {
    this.data = new VolumeData(deps);
  }

  /** One page of the caller's live volumes and the total count. */
  async list(ctx: CallContext, f: VolumeFilter = {}): Promise<Page<VolumeView>> {
    const db = this.deps.store.db;
    let q = db.selectFrom('volumes').where('account_id', '=', ctx.accountId).where('removed_at', 'is', null);
    if (f.id) q = q.where('id', '=', f.id);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.type) q = q.where('type', '=', f.type.toUpperCase());
    if (f.vmId) q = q.where('vm_id', '=', f.vmId);
    if (f.zoneId) q = q.where('zone_id', '=', f.zoneId);
    if (f.keyword) q = q.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${f.keyword!.toLowerCase()}%`));
    if (f.tags?.length) {
      q = q.where('id', 'in', taggedIds(db, ctx.accountId, f.tags));
    }
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), f);
    return { count, items: await loadVolumeViews(db, this.deps.catalog, rows) };
  }

  /** One of the caller's volumes, or NotFound (also for another account's volume). */
  async get(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<VolumeView> {
    const row = await this.row(this.deps.store.db, ctx, id, opts);
    const [view] = await loadVolumeViews(this.deps.store.db, this.deps.catalog, [row]);
    return view!;
  }

  /** The caller's volume row, or NotFound. */
  async row(q: Q, ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<VolumeRow> {
    const row = await q
      .selectFrom('volumes')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row || (row.removed_at && !opts.includeRemoved)) throw notFound('volume', id, 'object');
    return row;
  }

  /** Creates a data volume as one finished task: by offering or snapshot (its receipt), or empty of sizeBytes (beside its details). */
  async create(ctx: CallContext, input: OfferingVolumeInput): Promise<TaskReceipt>;
  async create(ctx: CallContext, input: SizedVolumeInput): Promise<DetailedVolumeChanged>;
  async create(
    ctx: CallContext,
    input: OfferingVolumeInput | SizedVolumeInput,
  ): Promise<TaskReceipt | DetailedVolumeChanged> {
    return 'sizeBytes' in input ? this.data.create(ctx, input) : this.createByOffering(ctx, input);
  }

  /** Copies a volume of the caller (or a public template, as an empty image of its size) to a new volume of at least its size; one finished task. */
  clone(
    ctx: CallContext,
    sourceId: string,
    input: { name: string; sizeBytes?: number } & VolumeAttrs,
  ): Promise<DetailedVolumeChanged> {
    return this.data.clone(ctx, sourceId, input);
  }

  /** One of the caller's live volumes with its I/O counters and attributes, or NotFound. */
  getDetailed(ctx: CallContext, id: string): Promise<DetailedVolumeView> {
    return this.data.get(ctx, id);
  }

  /** The caller's live volumes (all, or those of ids) with I/O counters and attributes, oldest first. */
  listDetailed(ctx: CallContext, ids?: string[]): Promise<DetailedVolumeView[]> {
    return this.data.list(ctx, ids);
  }

  /** Renames a volume or changes its attributes; one finished task. */
  set(ctx: CallContext, id: string, input: { name?: string } & VolumeAttrs): Promise<DetailedVolumeChanged> {
    return this.data.set(ctx, id, input);
  }

  /** Writes data at offset; refused (nothing written) past the end of the volume. */
  write(ctx: CallContext, id: string, offset: number, data: WriteData): Promise<void> {
    return this.data.write(ctx, id, offset, data);
  }

  /** Starts a write of length bytes at offset whose data arrives in chunks: refused up front unless the drive is the caller's, live and large enough; counted once finished. */
  openWrite(ctx: CallContext, id: string, offset: number, length: number): Promise<VolumeWriter> {
    return this.data.openWrite(ctx, id, offset, length);
  }

  /** Reads length bytes (at most 4 MiB) at offset; refused past the end of the volume. */
  read(ctx: CallContext, id: string, offset: number, length: number): Promise<Buffer> {
    return this.data.read(ctx, id, offset, length);
  }

  /** Takes back a buffer read() returned once its bytes were sent (nothing touches it after): a later read reuses it. */
  recycle(buf: Buffer): void {
    this.data.recycle(buf);
  }

  /** Deletes the storage files nothing owns that changed before `before` (ms since the epoch); returns their paths. */
  sweepOrphans(before: number): Promise<string[]> {
    return this.data.sweepOrphans(before);
  }

  /** Writes the I/O counts still held in memory to the database (they are otherwise written within a second). */
  flushCounters(): Promise<void> {
    return this.data.flushCounters();
  }

  /** Creates a data volume from an offering (empty) or a snapshot (a copy); answered as a finished task. */
  private async createByOffering(ctx: CallContext, input: OfferingVolumeInput): Promise<TaskReceipt> {
    const { store, catalog, storage } = this.deps;
    const id = newId();
    const name = checkVolumeName(input.name ?? `DATA-${id.slice(0, 8)}`);
    let zoneId: string;
    let size: number;
    let offeringId: string | null;
    let state: VolumeRow['state'] = 'Allocated';
    const snapshotId = input.snapshotId;
    if (snapshotId) {
      const snap = await this.liveSnapshot(store.db, ctx, snapshotId);
      const source = await store.db
        .selectFrom('volumes')
        .select(['zone_id', 'disk_offering_id'])
        .where('id', '=', snap.volume_id)
        .executeTakeFirstOrThrow();
      if (input.zoneId && input.zoneId !== source.zone_id)
        throw invalid('A volume made from a snapshot is created in the zone of the snapshot', 'zoneId');
      zoneId = source.zone_id;
      offeringId = source.disk_offering_id;
      size = Number(snap.size);
      state = 'Ready';
      if (input.sizeGb !== undefined) {
        const wanted = customSizeBytes(input.sizeGb);
        if (wanted < size) throw invalid(`The volume cannot be smaller than its snapshot (${size / GIB} GB)`, 'sizeGb');
        size = wanted;
      }
    } else {
      if (!input.diskOfferingId)
        throw invalid('A disk offering (diskofferingid) or a snapshot (snapshotid) is required', 'diskOfferingId');
      if (!input.zoneId) throw invalid('A zone (zoneid) is required', 'zoneId');
      zoneId = (await catalog.zone(input.zoneId)).id;
      const offering = await catalog.diskOffering(input.diskOfferingId);
      offeringId = offering.id;
      if (offering.customized === 1) size = customSizeBytes(input.sizeGb);
      else {
        size = Number(offering.disk_size);
        if (input.sizeGb !== undefined && input.sizeGb * GIB !== size) {
          throw invalid(
            `Disk offering ${offering.name} has a fixed size of ${size / GIB} GB; use a custom offering to choose the size`,
            'sizeGb',
          );
        }
      }
    }
    if (snapshotId && storage) {
      await storage.fromSnapshot(snapshotId, id);
      await storage.resize(id, size);
    }
    let receipt: TaskReceipt;
    try {
      receipt = await store.tx(async (trx) => {
        await reserveQuota(this.deps, trx, ctx.accountId, { volumes: 1, storageBytes: size });
        if (snapshotId) await this.liveSnapshot(trx, ctx, snapshotId);
        const now = nowIso();
        await trx
          .insertInto('volumes')
          .values({
            id,
            account_id: ctx.accountId,
            zone_id: zoneId,
            name,
            type: 'DATADISK',
            size,
            disk_offering_id: offeringId,
            template_id: null,
            vm_id: null,
            device_id: null,
            state,
            created_at: now,
            attached_at: null,
            removed_at: null,
          })
          .execute();
        return recordSyncChange(trx, {
          objectType: 'volume',
          objectId: id,
          ctx,
          payload: { snapshotId },
          result: { type: 'volume', id },
        });
      });
    } catch (err) {
      await storage?.remove(id).catch(() => undefined);
      throw err;
    }
    return receipt;
  }

  /** Attaches a data volume to a VM of the same account and zone; the device slot is reserved at once. */
  async attach(ctx: CallContext, id: string, vmId: string, deviceId?: number): Promise<TaskReceipt> {
    const { store } = this.deps;
    const taskId = await store.tx(async (trx) => {
      const vol = await this.row(trx, ctx, id);
      if (vol.vm_id) throw invalid(`Volume ${vol.name} is already attached to a virtual machine`, 'id');
      // Touching the VM row serializes concurrent attaches to it, so device slots and the disk limit hold.
      const touched = await trx
        .updateTable('vms')
        .set({ updated_at: nowIso() })
        .where('id', '=', vmId)
        .where('account_id', '=', ctx.accountId)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (Number(touched.numUpdatedRows) === 0) throw notFound('virtual machine', vmId, 'vm');
      const vm = await trx
        .selectFrom('vms')
        .select(['zone_id', 'state', 'name'])
        .where('id', '=', vmId)
        .executeTakeFirstOrThrow();
      if (!VM_SETTLED.includes(vm.state))
        throw conflict(`Cannot attach a volume to a virtual machine that is ${vm.state}`, 'wrong_state');
      if (vm.zone_id !== vol.zone_id)
        throw invalid('The volume and the virtual machine must be in the same zone', 'vmId');
      const present = await trx
        .selectFrom('volumes')
        .select(['type', 'device_id'])
        .where('vm_id', '=', vmId)
        .where('removed_at', 'is', null)
        .execute();
      if (present.filter((v) => v.type === 'DATADISK').length >= MAX_DATA_DISKS) {
        throw invalid(
          `Virtual machine ${vm.name} already has the maximum number of data disks (${MAX_DATA_DISKS})`,
          'vmId',
        );
      }
      const device = pickDeviceId(
        present.map((v) => Number(v.device_id ?? 0)),
        deviceId,
      );
      await trx
        .updateTable('volumes')
        .set({ vm_id: vmId, device_id: device, attached_at: nowIso() })
        .where('id', '=', id)
        .execute();
      return enqueueTask(store, trx, {
        kind: 'volume.attach',
        objectType: 'volume',
        objectId: id,
        payload: { vmId, deviceId: device, fromState: vol.state },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** Detaches a data volume from its VM; ROOT volumes stay. The receipt names the volume found. */
  async detach(ctx: CallContext, target: DetachTarget): Promise<TaskReceipt> {
    const { store } = this.deps;
    const receipt = await store.tx(async (trx) => {
      let vol: VolumeRow;
      if (target.id) vol = await this.row(trx, ctx, target.id);
      else if (target.vmId && target.deviceId !== undefined) {
        const found = await trx
          .selectFrom('volumes')
          .selectAll()
          .where('account_id', '=', ctx.accountId)
          .where('vm_id', '=', target.vmId)
          .where('device_id', '=', target.deviceId)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        if (!found)
          throw notFound('volume', `at device ${target.deviceId} of virtual machine ${target.vmId}`, 'object');
        vol = found;
      } else throw invalid('Either id, or virtualmachineid together with deviceid, is required', 'id');
      if (vol.type === 'ROOT') throw invalid('A ROOT volume cannot be detached from its virtual machine', 'id');
      if (!vol.vm_id) throw invalid(`Volume ${vol.name} is not attached to any virtual machine`, 'id');
      const vm = await trx.selectFrom('vms').select(['state']).where('id', '=', vol.vm_id).executeTakeFirst();
      if (vm && !VM_SETTLED.includes(vm.state))
        throw conflict(`Cannot detach a volume from a virtual machine that is ${vm.state}`, 'wrong_state');
      const taskId = await enqueueTask(store, trx, {
        kind: 'volume.detach',
        objectType: 'volume',
        objectId: vol.id,
        payload: { vmId: vol.vm_id },
        ctx,
      });
      return { taskId, objectId: vol.id };
    });
    this.deps.tasks.wake();
    return receipt;
  }

  /** Deletes a detached volume and its data as one finished task; snapshots of it remain. */
  async delete(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const receipt = await this.deps.store.tx(async (trx) => {
      const vol = await this.row(trx, ctx, id);
      if (vol.vm_id)
        throw conflict(`Volume ${vol.name} is attached to a virtual machine; detach it before deleting it`, 'in_use');
      await assertIdle(trx, id, 'volume');
      const now = nowIso();
      await trx.updateTable('volumes').set({ state: 'Destroy', removed_at: now }).where('id', '=', id).execute();
      await deleteTagsOf(trx, id);
      await trx.deleteFrom('tags').where('resource_id', '=', id).execute();
      return recordSyncChange(trx, { objectType: 'volume', objectId: id, ctx, payload: { action: 'delete' } });
    });
    await this.deps.storage?.remove(id);
    return receipt;
  }

  /** Grows a volume to a new size in GB or to a new disk offering's size; shrinking is refused. */
  async resize(ctx: CallContext, id: string, to: { sizeGb?: number; diskOfferingId?: string }): Promise<TaskReceipt> {
    const { store, catalog } = this.deps;
    if (to.sizeGb === undefined && !to.diskOfferingId)
      throw invalid('Either size or diskofferingid is required', 'sizeGb');
    const current = await this.row(store.db, ctx, id);
    let size: number;
    let offeringId = current.disk_offering_id;
    if (to.diskOfferingId) {
      if (current.type === 'ROOT')
        throw invalid('A ROOT volume has no disk offering; resize it with size only', 'diskOfferingId');
      const offering = await catalog.diskOffering(to.diskOfferingId);
      offeringId = offering.id;
      size = offering.customized === 1 ? customSizeBytes(to.sizeGb) : Number(offering.disk_size);
    } else {
      const offering = current.disk_offering_id ? await catalog.diskOffering(current.disk_offering_id) : undefined;
      if (offering && offering.customized !== 1) {
        throw invalid(
          `The disk offering ${offering.name} of this volume has a fixed size; pass a diskofferingid to resize it`,
          'sizeGb',
        );
      }
      size = customSizeBytes(to.sizeGb);
    }
    const taskId = await store.tx(async (trx) => {
      const vol = await this.row(trx, ctx, id);
      if (size < Number(vol.size)) {
        throw invalid(
          `Shrinking a volume is not supported (from ${Number(vol.size) / GIB} GB to ${size / GIB} GB)`,
          'sizeGb',
        );
      }
      if (vol.vm_id) {
        const vm = await trx.selectFrom('vms').select('state').where('id', '=', vol.vm_id).executeTakeFirst();
        if (vm && !VM_SETTLED.includes(vm.state))
          throw conflict(`Cannot resize a volume of a virtual machine that is ${vm.state}`, 'wrong_state');
      }
      await reserveQuota(this.deps, trx, ctx.accountId, { storageBytes: size - Number(vol.size) });
      return enqueueTask(store, trx, {
        kind: 'volume.resize',
        objectType: 'volume',
        objectId: id,
        payload: { size, diskOfferingId: offeringId },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** The caller's snapshot that can be copied, or NotFound / Conflict. */
  private async liveSnapshot(q: Q, ctx: CallContext, id: string) {
    const snap = await q
      .selectFrom('snapshots')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!snap) throw notFound('snapshot', id, 'object');
    if (snap.state !== 'BackedUp') throw conflict(`Snapshot ${snap.name} is not backed up yet`, 'busy');
    return snap;
  }
}
