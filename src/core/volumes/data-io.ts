/** The byte part of VolumeService: volumes made by size in bytes, clones (never smaller), byte reads/writes with I/O counters and attributes. */
import type { Q } from '../../store/db.js';
import type { VolumeExtrasRow, VolumeRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound, unavailable } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { GIB, MAX_CUSTOM_GB, assertIdle, checkVolumeName } from './rules.js';
import { IoCounters, type IoDelta } from './io-counters.js';
import { reserveQuota } from '../quotas/service.js';
import { sweepOrphanFiles } from './orphans.js';
import type { VolumeWriter } from '../../drivers/storage/storage.js';

export type { VolumeWriter };

/** Smallest volume made by size in bytes. */
const MIN_VOLUME_BYTES = 1024 * 1024;
/** Largest volume made by size in bytes (the custom disk offering limit). */
const MAX_VOLUME_BYTES = MAX_CUSTOM_GB * GIB;
/** Largest single read or write of volume bytes. */
export const MAX_IO_BYTES = 4 * 1024 * 1024;

/** Attributes a volume may carry besides its size (CloudSigma drive keys). */
export interface VolumeAttrs {
  claimType?: 'exclusive' | 'shared';
  readers?: string[];
  encryption?: 'none' | 'aes-xts-plain';
  media?: 'disk' | 'cdrom';
  affinity?: string[];
}

/** Inputs of a new empty data volume of sizeBytes bytes, in the first zone unless zoneId is given. */
export interface SizedVolumeInput extends VolumeAttrs {
  name: string;
  sizeBytes: number;
  zoneId?: string;
}

/** A volume with its I/O counters and attributes. */
export interface DetailedVolumeView {
  volume: VolumeRow;
  readBytes: number;
  writeBytes: number;
  readRequests: number;
  writeRequests: number;
  claimType: string;
  readers: string[];
  encryption: string;
  media: string;
  affinity: string[];
}

/** What a synchronous change of a volume by size answers: the receipt of its finished task and the volume as it is now. */
export interface DetailedVolumeChanged {
  receipt: TaskReceipt;
  detailed: DetailedVolumeView;
}

/** Whole writes of at least this many bytes are written behind (the size from which raw bodies are streamed). */
const WRITE_BEHIND_MIN = 64 * 1024;

/** Bytes to write, or a function that makes them given the room left on the volume past the offset (e.g. by decompressing). */
export type WriteData = Uint8Array | ((room: number) => Promise<Uint8Array>);

/** Creates, clones, reads and writes volumes by byte size and offset for VolumeService; the bytes live in the shared volume storage. */
export class VolumeData {
  private readonly counters: IoCounters;

  constructor(private readonly deps: CoreDeps) {
    this.counters = new IoCounters(deps.store);
  }

  /** Creates an empty data volume of `sizeBytes` bytes in the first zone (or the one given); one finished task. */
  async create(ctx: CallContext, input: SizedVolumeInput): Promise<DetailedVolumeChanged> {
    const size = checkSize(input.sizeBytes);
    const zoneId = input.zoneId ? (await this.deps.catalog.zone(input.zoneId)).id : await this.defaultZone();
    const id = newId();
    const receipt = await this.deps.store.tx((trx) =>
      this.insert(trx, ctx, { id, name: checkVolumeName(input.name), size, zoneId, templateId: null }, input, 'create'),
    );
    return { receipt, detailed: await this.get(ctx, id) };
  }

  /** Copies a volume of the caller (or a public template, as an empty image of its size) to a new volume of at least its size; one finished task. */
  async clone(
    ctx: CallContext,
    sourceId: string,
    input: { name: string; sizeBytes?: number } & VolumeAttrs,
  ): Promise<DetailedVolumeChanged> {
    const name = checkVolumeName(input.name);
    const src = await this.deps.store.db
      .selectFrom('volumes')
      .selectAll()
      .where('id', '=', sourceId)
      .where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    let base: { size: number; zoneId: string; templateId: string | null; fromVolume: boolean };
    if (src) base = { size: Number(src.size), zoneId: src.zone_id, templateId: src.template_id, fromVolume: true };
    else {
      const tpl = await this.deps.catalog.template(ctx, sourceId).catch(() => {
        throw notFound('drive', sourceId, 'object');
      });
      base = {
        size: Number(tpl.size),
        zoneId: tpl.zone_id ?? (await this.defaultZone()),
        templateId: tpl.id,
        fromVolume: false,
      };
    }
    const size = input.sizeBytes === undefined ? base.size : checkSize(input.sizeBytes);
    if (size < base.size) throw invalid(`A clone cannot be smaller than its source (${base.size} bytes)`, 'sizeBytes');
    const storage = this.storage();
    const id = newId();
    if (base.fromVolume) {
      await assertIdle(this.deps.store.db, sourceId, 'volume');
      await storage.clone(sourceId, id);
      await storage.resize(id, size);
    }
    let receipt: TaskReceipt;
    try {
      receipt = await this.deps.store.tx((trx) =>
        this.insert(trx, ctx, { id, name, size, zoneId: base.zoneId, templateId: base.templateId }, input, 'clone'),
      );
    } catch (err) {
      await storage.remove(id).catch(() => undefined);
      throw err;
    }
    return { receipt, detailed: await this.get(ctx, id) };
  }

  /** One of the caller's live volumes with counters and attributes, or NotFound. */
  async get(ctx: CallContext, id: string): Promise<DetailedVolumeView> {
    const [v] = await this.list(ctx, [id]);
    if (!v) throw notFound('drive', id, 'object');
    return v;
  }

  /** The caller's live volumes (all, or those of ids), oldest first. */
  async list(ctx: CallContext, ids?: string[]): Promise<DetailedVolumeView[]> {
    const db = this.deps.store.db;
    let q = db
      .selectFrom('volumes')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null);
    if (ids) q = q.where('id', 'in', ids.length ? ids : ['']);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    if (!rows.length) return [];
    const volumeIds = rows.map((r) => r.id);
    const { result: extras, extra } = await this.counters.view(volumeIds, () =>
      db.selectFrom('volume_extras').selectAll().where('volume_id', 'in', volumeIds).execute(),
    );
    const by = new Map(extras.map((e) => [e.volume_id, e]));
    return rows.map((r) => toView(r, by.get(r.id), extra(r.id)));
  }

  /** Writes data at offset; refused (nothing written) past the end of the volume. One lookup of the volume per call. */
  async write(ctx: CallContext, id: string, offset: number, data: WriteData): Promise<void> {
    const vol = await this.liveRow(ctx, id);
    const size = Number(vol.size);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw invalid('The offset must be a non-negative whole number of bytes', 'offset');
    const bytes = typeof data === 'function' ? await data(Math.max(0, size - offset)) : data;
    if (bytes.length > MAX_IO_BYTES * 4)
      throw invalid(`At most ${MAX_IO_BYTES * 4} bytes may be written at once`, 'body');
    checkRange(offset, bytes.length, size);
    try {
      await this.queueWrite(id, offset, bytes, size);
    } catch (err) {
      await this.refuseIfDestroyed(id);
      throw err;
    }
    await this.refuseIfDestroyed(id);
    this.counters.add(id, 'write', bytes.length);
  }

  /**
   * Hands whole bytes of WRITE_BEHIND_MIN or more to the storage's write-behind, as a streamed body is: answered once
   * queued, so the next call's transfer (and a gzip call's inflate) overlaps this one's disk write. Smaller writes are
   * on disk (their file made) when answered.
   */
  private async queueWrite(id: string, offset: number, bytes: Uint8Array, size: number): Promise<void> {
    if (bytes.length < WRITE_BEHIND_MIN) return this.storage().write(id, offset, bytes, size);
    const w = this.storage().openWrite(id, offset, bytes.length, size);
    try {
      await w.write(bytes);
    } catch (err) {
      await w.abort();
      throw err;
    }
    await w.finish();
  }

  /** Starts a write of length bytes at offset whose data arrives in chunks: refused up front (nothing written) unless the drive is the caller's, live and large enough; counted once finished. */
  async openWrite(ctx: CallContext, id: string, offset: number, length: number): Promise<VolumeWriter> {
    const vol = await this.liveRow(ctx, id);
    const size = Number(vol.size);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw invalid('The offset must be a non-negative whole number of bytes', 'offset');
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_IO_BYTES * 4)
      throw invalid(`At most ${MAX_IO_BYTES * 4} bytes may be written at once`, 'body');
    checkRange(offset, length, size);
    const w = this.storage().openWrite(id, offset, length, size);
    return {
      write: (chunk) => w.write(chunk),
      finish: async () => {
        try {
          await w.finish();
        } catch (err) {
          await this.refuseIfDestroyed(id);
          throw err;
        }
        await this.refuseIfDestroyed(id);
        this.counters.add(id, 'write', length);
      },
      abort: () => w.abort(),
    };
  }

  /**
   * After a write: when the drive was destroyed meanwhile (the destroy stops writes under way, but one may have begun
   * just after it, or in another process), removes whatever the write left on disk and refuses it.
   */
  private async refuseIfDestroyed(id: string): Promise<void> {
    const row = await this.deps.store.db
      .selectFrom('volumes')
      .select('removed_at')
      .where('id', '=', id)
      .executeTakeFirst();
    if (row && !row.removed_at) return;
    await this.storage().remove(id);
    throw conflict('The drive was destroyed while it was being written; nothing of the write was kept', 'gone');
  }

  /** Deletes the storage files nothing owns that changed before `before` (ms since the epoch; at start-up, the process start); returns their paths. */
  async sweepOrphans(before: number): Promise<string[]> {
    if (!this.deps.storage) return [];
    return (await sweepOrphanFiles(this.deps.store, this.deps.storage, before)).map((f) => f.path);
  }

  /** Writes the I/O counts still held in memory to the database (they are otherwise written within a second). */
  async flushCounters(): Promise<void> {
    await this.counters.flush();
  }

  /** Reads length bytes (at most 4 MiB) at offset; refused past the end of the volume. Give the buffer back with recycle() once sent. */
  async read(ctx: CallContext, id: string, offset: number, length: number): Promise<Buffer> {
    const vol = await this.liveRow(ctx, id);
    if (length > MAX_IO_BYTES) throw invalid(`At most ${MAX_IO_BYTES} bytes may be read at once`, 'length');
    checkRange(offset, length, Number(vol.size));
    const out = await this.storage().read(id, offset, length, Number(vol.size));
    this.counters.add(id, 'read', length);
    return out;
  }

  /** Takes back a buffer read() returned once its bytes were sent (the caller no longer touches it): a later read reuses it. */
  recycle(buf: Buffer): void {
    this.deps.storage?.recycle?.(buf);
  }

  /** Renames a volume or changes its attributes; one finished task. */
  async set(ctx: CallContext, id: string, input: { name?: string } & VolumeAttrs): Promise<DetailedVolumeChanged> {
    const receipt = await this.deps.store.tx(async (trx) => {
      const vol = await this.liveRow(ctx, id, trx);
      if (input.name !== undefined)
        await trx
          .updateTable('volumes')
          .set({ name: checkVolumeName(input.name) })
          .where('id', '=', vol.id)
          .execute();
      await ensureExtras(trx, id);
      const set = attrColumns(input);
      if (Object.keys(set).length)
        await trx.updateTable('volume_extras').set(set).where('volume_id', '=', id).execute();
      return recordSyncChange(trx, { objectType: 'volume', objectId: id, ctx, payload: { action: 'update' } });
    });
    return { receipt, detailed: await this.get(ctx, id) };
  }

  private async liveRow(ctx: CallContext, id: string, q: Q = this.deps.store.db): Promise<VolumeRow> {
    const row = await q
      .selectFrom('volumes')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound('drive', id, 'object');
    if (row.state === 'Destroy') throw conflict('The drive is being destroyed', 'wrong_state');
    return row;
  }

  private async insert(
    trx: Q,
    ctx: CallContext,
    v: { id: string; name: string; size: number; zoneId: string; templateId: string | null },
    attrs: VolumeAttrs,
    action: 'create' | 'clone',
  ): Promise<TaskReceipt> {
    await reserveQuota(this.deps, trx, ctx.accountId, { volumes: 1, storageBytes: v.size });
    await trx
      .insertInto('volumes')
      .values({
        id: v.id,
        account_id: ctx.accountId,
        zone_id: v.zoneId,
        name: v.name,
        type: 'DATADISK',
        size: v.size,
        disk_offering_id: null,
        template_id: v.templateId,
        vm_id: null,
        device_id: null,
        state: 'Ready',
        created_at: nowIso(),
        attached_at: null,
        removed_at: null,
      })
      .execute();
    await trx
      .insertInto('volume_extras')
      .values({ ...EMPTY_EXTRAS, volume_id: v.id, ...attrColumns(attrs) })
      .execute();
    return recordSyncChange(trx, {
      objectType: 'volume',
      objectId: v.id,
      ctx,
      payload: { action },
      result: { type: 'volume', id: v.id },
    });
  }

  private async defaultZone(): Promise<string> {
    const z = (await this.deps.catalog.listZones())[0];
    if (!z) throw unavailable('No zone is configured', 'not_configured');
    return z.id;
  }

  private storage() {
    if (!this.deps.storage) throw unavailable('Volume storage is not configured', 'not_configured');
    return this.deps.storage;
  }
}

const EMPTY_EXTRAS: Omit<VolumeExtrasRow, 'volume_id'> = {
  read_bytes: 0,
  write_bytes: 0,
  read_requests: 0,
  write_requests: 0,
  claim_type: 'exclusive',
  readers: '',
  encryption: 'aes-xts-plain',
  media: 'disk',
  affinity: '',
};

async function ensureExtras(q: Q, id: string): Promise<void> {
  const has = await q.selectFrom('volume_extras').select('volume_id').where('volume_id', '=', id).executeTakeFirst();
  if (!has) {
    try {
      await q
        .insertInto('volume_extras')
        .values({ ...EMPTY_EXTRAS, volume_id: id })
        .execute();
    } catch {
      /* inserted concurrently */
    }
  }
}

function attrColumns(a: VolumeAttrs): Partial<VolumeExtrasRow> {
  const set: Partial<VolumeExtrasRow> = {};
  if (a.claimType !== undefined) set.claim_type = a.claimType;
  if (a.readers !== undefined) set.readers = a.readers.join(' ');
  if (a.encryption !== undefined) set.encryption = a.encryption;
  if (a.media !== undefined) set.media = a.media;
  if (a.affinity !== undefined) set.affinity = a.affinity.join(' ');
  return set;
}

function toView(r: VolumeRow, e: VolumeExtrasRow | undefined, d: IoDelta | undefined): DetailedVolumeView {
  const x = e ?? { ...EMPTY_EXTRAS, volume_id: r.id };
  const words = (s: string) => s.split(' ').filter((w) => w !== '');
  return {
    volume: r,
    readBytes: Number(x.read_bytes) + (d?.readBytes ?? 0),
    writeBytes: Number(x.write_bytes) + (d?.writeBytes ?? 0),
    readRequests: Number(x.read_requests) + (d?.readRequests ?? 0),
    writeRequests: Number(x.write_requests) + (d?.writeRequests ?? 0),
    claimType: x.claim_type,
    readers: words(x.readers),
    encryption: x.encryption,
    media: x.media,
    affinity: words(x.affinity),
  };
}

function checkSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < MIN_VOLUME_BYTES || size > MAX_VOLUME_BYTES) {
    throw invalid(`The size must be between ${MIN_VOLUME_BYTES} and ${MAX_VOLUME_BYTES} bytes`, 'sizeBytes');
  }
  return size;
}

function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw invalid('The offset must be a non-negative whole number of bytes', 'offset');
  if (offset + length > size)
    throw invalid(`${length} bytes at offset ${offset} go past the end of the drive (${size} bytes)`, 'offset');
}
