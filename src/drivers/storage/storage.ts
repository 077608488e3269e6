/** The VolumeStorage interface: where volume and snapshot bytes live, as raw files (sim) or qcow2 images (qemu). */
import type { StoredFile } from './stored-files.js';

export type { StoredFile };

/** Volume bytes for every dialect and driver: read/write at offsets, resize, clone, snapshot and revert. */
export interface VolumeStorage {
  /** The on-disk format of volume files. */
  readonly format: 'raw' | 'qcow2';
  /** True when the volume has data on disk. */
  has(id: string): Promise<boolean>;
  /** True when the snapshot has data on disk. */
  hasSnapshot(id: string): Promise<boolean>;
  /** Reads length bytes at offset; never-written parts read as zeros; with size, reads past it are refused. */
  read(id: string, offset: number, length: number, size?: number): Promise<Buffer>;
  /** Takes back a buffer read() returned, once nothing uses it any more (its bytes were sent), to serve a later read. */
  recycle?(buf: Buffer): void;
  /** Writes data at offset of a volume of size bytes, creating its file on the first write. */
  write(id: string, offset: number, data: Uint8Array, size: number): Promise<void>;
  /** A write of length bytes at offset of a volume of size bytes whose data arrives in chunks: checked at once, nothing reaches the volume before the first chunk. */
  openWrite(id: string, offset: number, length: number, size: number): VolumeWriter;
  /** Sets the volume's size in bytes. */
  resize(id: string, size: number): Promise<void>;
  /** Makes dst an independent copy of src. */
  clone(srcId: string, dstId: string): Promise<void>;
  /** Deletes a volume's data (its snapshots stay usable); absent is fine. */
  remove(id: string): Promise<void>;
  /** Takes a snapshot of the volume; false when the volume had no data yet. */
  snapshot(volumeId: string, snapshotId: string): Promise<boolean>;
  /** Puts a snapshot's bytes (and size) back into a volume. */
  revert(snapshotId: string, volumeId: string): Promise<void>;
  /** Fills a new volume from a snapshot. */
  fromSnapshot(snapshotId: string, volumeId: string): Promise<void>;
  /** Deletes a snapshot's data; absent is fine. */
  removeSnapshot(id: string): Promise<void>;
  /** Copies the volume's bytes to a backup kept apart from it (`<dataDir>/backups/`); false when the volume had no data yet. */
  backup(volumeId: string, backupId: string): Promise<boolean>;
  /** Makes a volume's bytes (and size) a backup's; a backup without data leaves the volume all zeros. */
  restoreBackup(backupId: string, volumeId: string): Promise<void>;
  /** Deletes a backup's data; absent is fine. */
  removeBackup(id: string): Promise<void>;
  /** Every volume, snapshot, backup and temporary file on disk, by the id it belongs to (to find files nothing owns any more). */
  files(): Promise<StoredFile[]>;
  /** Deletes a listed file as its kind is deleted: a volume by remove, a snapshot by removeSnapshot, a backup by removeBackup, a temporary file as it is. */
  discard(file: StoredFile): Promise<void>;
  /** Lets go of anything held open (servers, file handles). */
  close(): Promise<void>;
}

/** Bytes of one write fed as they arrive; parts may reach the volume before finish. */
export interface VolumeWriter {
  /** Takes the next bytes (kept or copied: the caller must not change chunk afterwards); resolves when more may be given; refused past the announced length. */
  write(chunk: Uint8Array): Promise<void>;
  /** Resolves once every announced byte is on the volume; refused when fewer were given. */
  finish(): Promise<void>;
  /** Gives up: waits for the parts under way (what was written stays written) and lets go of the volume. */
  abort(): Promise<void>;
}
