/** Volume data as sparse raw files (the `sim` driver's storage): `<dataDir>/volumes/<id>.img` and `<dataDir>/snapshots/<id>.img`, made on first write, held open between calls, large aligned transfers with O_DIRECT. */
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../../lib/errors.js';
import type { VolumeStorage, VolumeWriter } from './storage.js';
import { HandleCache, type OpenFile } from './raw-handles.js';
import { PIECE_BYTES, PieceWriter } from './volume-writer.js';
import { OpenWriters } from './open-writers.js';
import { listStoredFiles, removeTemp, type StoredFile } from './stored-files.js';
import { PAGE_BYTES } from '../../lib/page-buffers.js';
import { AlignedSlots, directFits, readDirect, refusesDirect, writeDirect } from './direct-io.js';
import { copyData, copyOrClear, exists } from './file-copy.js';
import { WriteBehind } from './write-behind.js';
import { checkId, checkRange } from './checks.js';
import { ReadAhead } from './read-ahead.js';
import { ReadBuffers } from './read-buffers.js';

/** Tuning: whether GNU `cp` may copy files (it skips holes with SEEK_DATA, which Node cannot), and whether aligned transfers of 64 KiB or more bypass the page cache (O_DIRECT, on Linux by default). */
export interface StorageOptions {
  useCp?: boolean;
  direct?: boolean;
}

/** Reads and writes volume bytes; a volume without a file reads as zeros, so unwritten volumes cost nothing. */
export class RawStorage implements VolumeStorage {
  readonly format = 'raw' as const;
  readonly volumeDir: string;
  readonly snapshotDir: string;
  readonly backupDir: string;

  private readonly copy: (src: string, dst: string) => Promise<void>;
  private readonly handles = new HandleCache();
  private readonly slots = new AlignedSlots();
  private readonly writers = new OpenWriters();
  private readonly behind = new WriteBehind();
  private readonly ahead = new ReadAhead();
  private readonly reads = new ReadBuffers();
  private direct: boolean;

  constructor(
    readonly dataDir: string,
    opts: StorageOptions = {},
  ) {
    const useCp = opts.useCp ?? process.platform === 'linux';
    this.direct =
      (opts.direct ?? process.platform === 'linux') &&
      constants.O_DIRECT !== undefined &&
      typeof WebAssembly === 'object';
    this.copy = (src, dst) => copyData(src, dst, useCp);
    this.volumeDir = join(dataDir, 'volumes');
    this.snapshotDir = join(dataDir, 'snapshots');
    this.backupDir = join(dataDir, 'backups');
  }

  /** Path of a volume's file (which may not exist yet). */
  volumePath(id: string): string {
    return join(this.volumeDir, `${checkId(id)}.img`);
  }

  /** Path of a snapshot's file (absent when the volume had never been written). */
  snapshotPath(id: string): string {
    return join(this.snapshotDir, `${checkId(id)}.img`);
  }

  /** Path of a backup's file (absent when the volume had never been written). */
  backupPath(id: string): string {
    return join(this.backupDir, `${checkId(id)}.img`);
  }

  /** True when the volume has a data file. */
  async has(id: string): Promise<boolean> {
    return exists(this.volumePath(id));
  }

  /** True when the snapshot has a data file. */
  async hasSnapshot(id: string): Promise<boolean> {
    return exists(this.snapshotPath(id));
  }

  /** Reads length bytes at offset; parts never written are zeros. With size, reads past it are refused. */
  async read(id: string, offset: number, length: number, size?: number): Promise<Buffer> {
    checkRange(offset, length, size);
    const path = this.volumePath(id);
    await this.behind.flush(id);
    if (length === 0) return Buffer.alloc(0);
    return this.ahead.read(id, offset, length, size, (at, n) => this.load(path, at, n));
  }

  /** Gives back a buffer read() returned once its bytes were sent: the next read of that length reuses it. */
  recycle(buf: Buffer): void {
    this.reads.give(buf);
  }

  /** Reads length bytes at offset of the file at path (zeros past its end, or without a file). */
  private async load(path: string, offset: number, length: number): Promise<Buffer> {
    const out = await this.handles.use(path, false, async (f) => {
      const buf = this.reads.take(length);
      if (this.direct && directFits(offset, length)) {
        const dfh = await this.handles.direct(f);
        if (dfh && (await this.tryDirect(() => readDirect(dfh, this.slots, buf, offset)))) return buf;
      }
      let done = 0;
      while (done < length) {
        const { bytesRead } = await f.fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.fill(0, done);
    });
    return out ?? Buffer.alloc(length);
  }

  /** Writes data at offset of a volume of `size` bytes, creating its sparse file on the first write. */
  async write(id: string, offset: number, data: Uint8Array, size: number): Promise<void> {
    checkRange(offset, data.length, size);
    const path = this.volumePath(id);
    await this.changing(id, () =>
      this.writers.run(id, async () => {
        await this.behind.flush(id, offset, data.length);
        return this.handles.use(path, true, (f) => this.writeTo(f, offset, data, size));
      }),
    );
  }

  /** A write fed as it arrives: 1 MiB pieces written (O_DIRECT when aligned) while the next ones fill; the file is made at the first full piece and held open until the end; finish resolves once every byte is queued (write-behind, see write-behind.ts). */
  openWrite(id: string, offset: number, length: number, size: number): VolumeWriter {
    checkRange(offset, length, size);
    const path = this.volumePath(id);
    const tracked = this.writers.track(
      id,
      new PieceWriter(offset, length, {
        buffers: (count) => this.slots.pieces(count, PIECE_BYTES),
        open: async () => {
          const held = (await this.handles.hold(path, true))!;
          return { write: (pos, piece) => this.writePiece(held.file, pos, piece, size), release: () => held.release() };
        },
      }),
    );
    const end = this.ahead.begin(id);
    return this.behind.wrap(id, offset, length, {
      write: (chunk) => tracked.write(chunk),
      finish: () => tracked.finish().finally(end),
      abort: () => tracked.abort().finally(end),
    });
  }

  /** Sets the volume's length; a volume without a file needs nothing (it already reads as zeros). */
  async resize(id: string, size: number): Promise<void> {
    if (!Number.isSafeInteger(size) || size < 0) throw invalid('A volume size must be a whole number of bytes', 'size');
    await this.behind.flush(id);
    this.handles.forget(this.volumePath(id));
    await this.changing(id, () =>
      fs.truncate(this.volumePath(id), size).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      }),
    );
  }

  /** Makes dst a copy of src's bytes (no file when src has none); the copy is independent of src afterwards. */
  async clone(srcId: string, dstId: string): Promise<void> {
    await this.behind.flush(srcId);
    await this.behind.flush(dstId);
    this.handles.forget(this.volumePath(dstId));
    await this.changing(dstId, () => copyOrClear(this.copy, this.volumePath(srcId), this.volumePath(dstId)));
  }

  /** Deletes a volume's data once the writes under way are stopped (streamed ones are refused from then on); absent is fine. */
  async remove(id: string): Promise<void> {
    const path = this.volumePath(id);
    await this.writers.cancel(id);
    await this.behind.forget(id);
    this.handles.forget(path);
    await this.changing(id, () => fs.rm(path, { force: true }));
    this.ahead.forget(id);
  }

  /** Copies the volume's bytes to a snapshot file; returns false when the volume has no data to copy. */
  async snapshot(volumeId: string, snapshotId: string): Promise<boolean> {
    await this.behind.flush(volumeId);
    return copyOrClear(this.copy, this.volumePath(volumeId), this.snapshotPath(snapshotId));
  }

  /** Puts a snapshot's bytes back into a volume (a snapshot without data leaves the volume all zeros). */
  async revert(snapshotId: string, volumeId: string): Promise<void> {
    await this.behind.flush(volumeId);
    this.handles.forget(this.volumePath(volumeId));
    await this.changing(volumeId, () =>
      copyOrClear(this.copy, this.snapshotPath(snapshotId), this.volumePath(volumeId)),
    );
  }

  /** Fills a new volume from a snapshot. */
  async fromSnapshot(snapshotId: string, volumeId: string): Promise<void> {
    await this.behind.flush(volumeId);
    this.handles.forget(this.volumePath(volumeId));
    await this.changing(volumeId, () =>
      copyOrClear(this.copy, this.snapshotPath(snapshotId), this.volumePath(volumeId)),
    );
  }

  /** Deletes a snapshot's data; absent is fine. */
  async removeSnapshot(id: string): Promise<void> {
    await fs.rm(this.snapshotPath(id), { force: true });
  }

  /** Copies the volume's bytes to a backup file; returns false when the volume has no data to copy. */
  async backup(volumeId: string, backupId: string): Promise<boolean> {
    await this.behind.flush(volumeId);
    return copyOrClear(this.copy, this.volumePath(volumeId), this.backupPath(backupId));
  }

  /** Replaces a volume's bytes with a backup's (a backup without data leaves the volume all zeros). */
  async restoreBackup(backupId: string, volumeId: string): Promise<void> {
    await this.behind.flush(volumeId);
    this.handles.forget(this.volumePath(volumeId));
    await this.changing(volumeId, () => copyOrClear(this.copy, this.backupPath(backupId), this.volumePath(volumeId)));
  }

  /** Deletes a backup's data; absent is fine. */
  async removeBackup(id: string): Promise<void> {
    await fs.rm(this.backupPath(id), { force: true });
  }

  /** The volume, snapshot, backup and temporary files on disk. */
  files(): Promise<StoredFile[]> {
    return listStoredFiles({
      volumeDir: this.volumeDir,
      snapshotDir: this.snapshotDir,
      backupDir: this.backupDir,
      backupExts: ['img'],
      volumeExts: ['img'],
      snapshotExts: ['img'],
    });
  }

  /** Deletes a listed file as its kind is deleted. */
  async discard(file: StoredFile): Promise<void> {
    if (file.kind === 'volume') return this.remove(file.id);
    if (file.kind === 'snapshot') return this.removeSnapshot(file.id);
    if (file.kind === 'backup') return this.removeBackup(file.id);
    return removeTemp(file);
  }

  /** Writes out every answered write, then closes the volume files held open between calls; a failure of those writes is thrown after. */
  async close(): Promise<void> {
    try {
      await this.behind.flushAll();
    } finally {
      await this.handles.closeAll();
    }
  }

  /** Runs a change of volume id so that no range read ahead before or during it is used after it. */
  private async changing<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const end = this.ahead.begin(id);
    try {
      return await fn();
    } finally {
      end();
    }
  }

  /** Writes data at offset of an open file of a volume of size bytes, growing the file to size first. */
  private async writeTo(f: OpenFile, offset: number, data: Uint8Array, size: number): Promise<void> {
    if (f.size < size) {
      f.size = (await f.fh.stat()).size;
      if (f.size < size) {
        await f.fh.truncate(size);
        f.size = size;
      }
    }
    if (this.direct && directFits(offset, data.length)) {
      const dfh = await this.handles.direct(f);
      if (dfh && (await this.tryDirect(() => writeDirect(dfh, this.slots, data, offset)))) return;
    }
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await f.fh.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  /** Writes a piece; one whose length is not block-aligned goes direct up to its last whole block and through the page cache for the rest. */
  private async writePiece(f: OpenFile, pos: number, piece: Buffer, size: number): Promise<void> {
    const head = piece.length - (piece.length % PAGE_BYTES);
    if (head === piece.length || !directFits(pos, head)) return this.writeTo(f, pos, piece, size);
    const done = await Promise.allSettled([
      this.writeTo(f, pos, piece.subarray(0, head), size),
      this.writeTo(f, pos + head, piece.subarray(head), size),
    ]);
    const failed = done.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs a direct transfer; false when it could not be done (no free slots, or the filesystem refused it: then never again). */
  private async tryDirect(io: () => Promise<boolean>): Promise<boolean> {
    try {
      return await io();
    } catch (err) {
      if (!refusesDirect(err)) throw err;
      this.direct = false;
      return false;
    }
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
