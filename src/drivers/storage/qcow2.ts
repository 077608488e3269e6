/** Volume data as qcow2 images (the `qemu` driver's storage): bytes move over NBD, snapshots are qcow2 internal snapshots. */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KeyedLock } from '../keyed-lock.js';
import { NbdSessions, type LiveDisk } from './nbd-sessions.js';
import { qmpOnce } from '../compute/qemu/qmp.js';
import { checkId, checkRange } from './checks.js';
import { exists } from './file-copy.js';
import { convertQcow2, createQcow2, resizeImage, snapshotNames, snapshotOp, virtualSize } from './qemu-img.js';
import type { VolumeStorage, VolumeWriter } from './storage.js';
import { gatheredWriter } from './volume-writer.js';
import { OpenWriters } from './open-writers.js';
import { listStoredFiles, removeTemp, type StoredFile } from './stored-files.js';

export type { LiveDisk } from './nbd-sessions.js';

/**
 * `<dataDir>/volumes/<id>.qcow2`, the files QEMU opens. A stopped volume is served by a short-lived qemu-nbd; a volume
 * in a running VM through that QEMU's own NBD export, so API bytes and guest bytes are always the same bytes.
 * Snapshots live inside their volume's image (`<dataDir>/snapshots/<id>.ref` names it) and are exported to
 * `<dataDir>/snapshots/<id>.qcow2` when their volume is deleted.
 */
export class Qcow2Storage implements VolumeStorage {
  readonly format = 'qcow2' as const;
  readonly volumeDir: string;
  readonly snapshotDir: string;
  readonly backupDir: string;
  private liveDisk: (volumeId: string) => Promise<LiveDisk | undefined> = async () => undefined;
  private readonly lock = new KeyedLock();
  private readonly writers = new OpenWriters();
  private readonly nbd: NbdSessions;

  constructor(readonly dataDir: string) {
    this.volumeDir = join(dataDir, 'volumes');
    this.snapshotDir = join(dataDir, 'snapshots');
    this.backupDir = join(dataDir, 'backups');
    this.nbd = new NbdSessions(
      join(dataDir, 'run'),
      this.lock,
      (id) => this.volumePath(id),
      (id) => this.liveDisk(id),
    );
  }

  /** Tells the storage how to find the volumes running VMs have open (the qemu driver knows). */
  setLiveDisks(fn: (volumeId: string) => Promise<LiveDisk | undefined>): void {
    this.liveDisk = fn;
  }

  /** The image file of a volume (which may not exist yet). */
  volumePath(id: string): string {
    return join(this.volumeDir, `${checkId(id)}.qcow2`);
  }

  /** True when the volume has an image. */
  async has(id: string): Promise<boolean> {
    return this.present(id);
  }

  /** True when the snapshot has data (inside its volume's image or standalone). */
  async hasSnapshot(id: string): Promise<boolean> {
    return (await exists(this.refPath(id))) || exists(this.snapshotFile(id));
  }

  async read(id: string, offset: number, length: number, size?: number): Promise<Buffer> {
    checkRange(offset, length, size);
    if (length === 0) return Buffer.alloc(0);
    return this.lock.run(id, async () => {
      if (!(await this.present(id))) return Buffer.alloc(length);
      return this.nbd.io(id, undefined, async (c) => {
        const inside = Math.max(0, Math.min(length, c.size - offset));
        if (inside === length) return c.read(offset, length);
        const out = Buffer.alloc(length);
        if (inside > 0) (await c.read(offset, inside)).copy(out);
        return out;
      });
    });
  }

  async write(id: string, offset: number, data: Uint8Array, size: number): Promise<void> {
    checkRange(offset, data.length, size);
    await this.writers.run(id, () =>
      this.lock.run(id, async () => {
        if (!(await this.present(id))) await this.create(id, size);
        await this.nbd.io(id, size, (c) => c.write(offset, data));
      }),
    );
  }

  /** A write fed as it arrives, gathered and written in one piece at finish. */
  openWrite(id: string, offset: number, length: number, size: number): VolumeWriter {
    checkRange(offset, length, size);
    return this.writers.track(
      id,
      gatheredWriter(length, (data) => this.write(id, offset, data, size)),
    );
  }

  async resize(id: string, size: number): Promise<void> {
    await this.lock.run(id, async () => {
      if (!(await this.present(id))) return;
      const live = await this.liveDisk(id);
      await this.nbd.end(id);
      if (live) await qmpOnce(live.qmp, 'block_resize', { 'node-name': live.node, size });
      else await resizeImage(this.volumePath(id), size);
    });
  }

  async clone(srcId: string, dstId: string): Promise<void> {
    await this.lock.run(srcId, async () => {
      if (!(await this.present(srcId))) return this.replace(dstId, null);
      await this.nbd.end(srcId);
      const live = await this.liveDisk(srcId);
      if (!live) return this.replace(dstId, (tmp) => convertQcow2(this.volumePath(srcId), tmp));
      const mark = `clone-${randomBytes(6).toString('hex')}`;
      await qmpOnce(live.qmp, 'blockdev-snapshot-internal-sync', { device: live.node, name: mark });
      try {
        await this.replace(dstId, (tmp) => convertQcow2(this.volumePath(srcId), tmp, { snapshot: mark }));
      } finally {
        await qmpOnce(live.qmp, 'blockdev-snapshot-delete-internal-sync', { device: live.node, name: mark }).catch(
          () => undefined,
        );
      }
    });
  }

  /** Deletes the volume's image (its snapshots exported first) once the writes under way are stopped or done. */
  async remove(id: string): Promise<void> {
    await this.writers.cancel(id);
    await this.lock.run(id, async () => {
      await this.nbd.end(id);
      await this.exportSnapshotsOf(id);
      await fs.rm(this.volumePath(id), { force: true });
      await fs.rm(this.legacyPath(id), { force: true });
    });
  }

  async snapshot(volumeId: string, snapshotId: string): Promise<boolean> {
    checkId(snapshotId);
    return this.lock.run(volumeId, async () => {
      if (!(await this.present(volumeId))) return false;
      const live = await this.liveDisk(volumeId);
      await this.nbd.end(volumeId);
      if (live)
        await qmpOnce(live.qmp, 'blockdev-snapshot-internal-sync', { device: live.node, name: snapshotId }, 60000);
      else await snapshotOp('c', this.volumePath(volumeId), snapshotId);
      await fs.mkdir(this.snapshotDir, { recursive: true });
      await fs.writeFile(this.refPath(snapshotId), JSON.stringify({ volume: volumeId }), { mode: 0o600 });
      return true;
    });
  }

  async revert(snapshotId: string, volumeId: string): Promise<void> {
    await this.lock.run(volumeId, async () => {
      await this.nbd.end(volumeId);
      const owner = await this.owner(snapshotId);
      if (owner === volumeId && (await this.present(volumeId))) {
        return snapshotOp('a', this.volumePath(volumeId), snapshotId);
      }
      await this.exportSnapshotsOf(volumeId);
      await this.replace(volumeId, await this.snapshotSource(snapshotId, owner));
    });
  }

  async fromSnapshot(snapshotId: string, volumeId: string): Promise<void> {
    const owner = await this.owner(snapshotId);
    const fill = async () =>
      this.lock.run(volumeId, async () => this.replace(volumeId, await this.snapshotSource(snapshotId, owner)));
    await (owner ? this.lock.run(owner, fill) : fill());
  }

  async removeSnapshot(id: string): Promise<void> {
    const owner = await this.owner(id);
    if (owner) {
      await this.lock.run(owner, async () => {
        if (await this.present(owner)) {
          const live = await this.liveDisk(owner);
          await this.nbd.end(owner);
          if (live)
            await qmpOnce(live.qmp, 'blockdev-snapshot-delete-internal-sync', { device: live.node, name: id }).catch(
              () => undefined,
            );
          else if ((await snapshotNames(this.volumePath(owner))).includes(id))
            await snapshotOp('d', this.volumePath(owner), id);
        }
        await fs.rm(this.refPath(id), { force: true });
      });
    }
    await fs.rm(this.refPath(id), { force: true });
    await fs.rm(this.snapshotFile(id), { force: true });
  }

  /** Writes a standalone image of the volume (through a transient internal snapshot while its VM runs) to `backups/<id>.qcow2`. */
  async backup(volumeId: string, backupId: string): Promise<boolean> {
    const file = this.backupFile(backupId);
    return this.lock.run(volumeId, async () => {
      if (!(await this.present(volumeId))) {
        await fs.rm(file, { force: true });
        return false;
      }
      await this.nbd.end(volumeId);
      const src = this.volumePath(volumeId);
      const live = await this.liveDisk(volumeId);
      if (!live) {
        await writeAtomically(file, (tmp) => convertQcow2(src, tmp));
        return true;
      }
      const mark = `backup-${randomBytes(6).toString('hex')}`;
      await qmpOnce(live.qmp, 'blockdev-snapshot-internal-sync', { device: live.node, name: mark });
      try {
        await writeAtomically(file, (tmp) => convertQcow2(src, tmp, { snapshot: mark }));
      } finally {
        await qmpOnce(live.qmp, 'blockdev-snapshot-delete-internal-sync', { device: live.node, name: mark }).catch(
          () => undefined,
        );
      }
      return true;
    });
  }

  /** Replaces the volume's image with a copy of the backup's (its snapshots exported first, as a revert does). */
  async restoreBackup(backupId: string, volumeId: string): Promise<void> {
    const file = this.backupFile(backupId);
    await this.lock.run(volumeId, async () => {
      await this.nbd.end(volumeId);
      await this.exportSnapshotsOf(volumeId);
      await this.replace(volumeId, (await exists(file)) ? (tmp) => convertQcow2(file, tmp) : null);
    });
  }

  /** Deletes a backup's image; absent is fine. */
  async removeBackup(id: string): Promise<void> {
    await fs.rm(this.backupFile(id), { force: true });
  }

  /** Makes the volume's image when missing (an overlay on base when given) and grows it to at least size bytes. */
  async ensureImage(id: string, size: number, base?: string): Promise<string> {
    return this.lock.run(id, async () => {
      const path = this.volumePath(id);
      if (!(await this.present(id))) await this.create(id, size, base);
      if ((await virtualSize(path)) < size) {
        await this.nbd.end(id);
        await resizeImage(path, size);
      }
      return path;
    });
  }

  /** Runs fn (starting a VM) with these volumes' NBD sessions closed and new I/O on them held until fn is done. */
  async quiesce<T>(ids: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(ids)].sort();
    const step = async (i: number): Promise<T> => {
      if (i === sorted.length) return fn();
      const id = sorted[i]!;
      return this.lock.run(id, async () => {
        await this.nbd.end(id);
        return step(i + 1);
      });
    };
    return step(0);
  }

  /** The volume, snapshot, backup and temporary files on disk. */
  files(): Promise<StoredFile[]> {
    return listStoredFiles({
      volumeDir: this.volumeDir,
      snapshotDir: this.snapshotDir,
      backupDir: this.backupDir,
      backupExts: ['qcow2'],
      volumeExts: ['qcow2', 'img'],
      snapshotExts: ['qcow2', 'ref'],
    });
  }

  /** Deletes a listed file as its kind is deleted. */
  async discard(file: StoredFile): Promise<void> {
    if (file.kind === 'volume') return this.remove(file.id);
    if (file.kind === 'snapshot') return this.removeSnapshot(file.id);
    if (file.kind === 'backup') return this.removeBackup(file.id);
    return removeTemp(file);
  }

  async close(): Promise<void> {
    await this.nbd.endAll();
  }

  private legacyPath(id: string): string {
    return join(this.volumeDir, `${checkId(id)}.img`);
  }
  private refPath(id: string): string {
    return join(this.snapshotDir, `${checkId(id)}.ref`);
  }
  private backupFile(id: string): string {
    return join(this.backupDir, `${checkId(id)}.qcow2`);
  }
  private snapshotFile(id: string): string {
    return join(this.snapshotDir, `${checkId(id)}.qcow2`);
  }

  /** True when the volume has an image; a raw file left by an older Nube is converted to qcow2 first. */
  private async present(id: string): Promise<boolean> {
    if (await exists(this.volumePath(id))) return true;
    if (!(await exists(this.legacyPath(id)))) return false;
    await this.replace(id, (tmp) => convertQcow2(this.legacyPath(id), tmp, { srcFormat: 'raw' }));
    await fs.rm(this.legacyPath(id), { force: true });
    return true;
  }

  private async create(id: string, size: number, base?: string): Promise<void> {
    await this.replace(id, (tmp) => createQcow2(tmp, size, base));
  }

  /** The volume whose image holds the snapshot, or null when the snapshot stands alone (or has no data). */
  private async owner(snapshotId: string): Promise<string | null> {
    try {
      return (JSON.parse(await fs.readFile(this.refPath(snapshotId), 'utf8')) as { volume: string }).volume;
    } catch {
      return null;
    }
  }

  /** How to write the snapshot's bytes into a new file, or null when it has none. */
  private async snapshotSource(
    snapshotId: string,
    owner: string | null,
  ): Promise<((tmp: string) => Promise<void>) | null> {
    if (owner && (await exists(this.volumePath(owner)))) {
      return (tmp) => convertQcow2(this.volumePath(owner), tmp, { snapshot: snapshotId });
    }
    const file = this.snapshotFile(snapshotId);
    return (await exists(file)) ? (tmp) => convertQcow2(file, tmp) : null;
  }

  /** Before a volume's image goes, copies each of its snapshots out to a standalone image. */
  private async exportSnapshotsOf(volumeId: string): Promise<void> {
    const names = await fs.readdir(this.snapshotDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.ref'))) {
      const snapId = name.slice(0, -4);
      if ((await this.owner(snapId)) !== volumeId) continue;
      if (await exists(this.volumePath(volumeId))) {
        const src = this.volumePath(volumeId);
        await writeAtomically(this.snapshotFile(snapId), (tmp) => convertQcow2(src, tmp, { snapshot: snapId }));
      }
      await fs.rm(this.refPath(snapId), { force: true });
    }
  }

  /** Replaces a volume's image with what make writes (no image when make is null). */
  private async replace(id: string, make: ((tmp: string) => Promise<void>) | null): Promise<void> {
    await this.nbd.end(id);
    if (!make) {
      await fs.rm(this.volumePath(id), { force: true });
      return;
    }
    await writeAtomically(this.volumePath(id), make);
  }
}

/** Writes a file through a temporary name and a rename, so a crash never leaves half of it. */
async function writeAtomically(path: string, make: (tmp: string) => Promise<void>): Promise<void> {
  await fs.mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await make(tmp);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
