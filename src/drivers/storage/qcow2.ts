/** Volume data as qcow2 images (the `qemu` driver's storage): bytes move over NBD, snapshots are qcow2 internal snapshots. */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NbdClient } from './nbd.js';
import { qmpOnce } from '../compute/qemu/qmp.js';
import { checkId, checkRange, exists } from './raw.js';
import {
  convertQcow2, createQcow2, resizeImage, snapshotNames, snapshotOp, startNbdServer, stopNbdServer, virtualSize, waitExit,
} from './qemu-img.js';
import type { VolumeStorage } from './storage.js';

/** A volume open in a running VM: that QEMU's QMP socket, the volume's block node, and where that QEMU serves NBD. */
export interface LiveDisk { qmp: string; node: string; nbdSocket: string }

/** An open NBD session is kept this long after its last use, then closed so the image's lock is free. */
const IDLE_MS = 1000;

interface Session { client: NbdClient; live: boolean; pid?: number; timer?: NodeJS.Timeout }

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
  private readonly runDir: string;
  private liveDisk: (volumeId: string) => Promise<LiveDisk | undefined> = async () => undefined;
  private readonly sessions = new Map<string, Session>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly dataDir: string) {
    this.volumeDir = join(dataDir, 'volumes');
    this.snapshotDir = join(dataDir, 'snapshots');
    this.runDir = join(dataDir, 'run');
  }

  /** Tells the storage how to find the volumes running VMs have open (the qemu driver knows). */
  setLiveDisks(fn: (volumeId: string) => Promise<LiveDisk | undefined>): void { this.liveDisk = fn; }

  /** The image file of a volume (which may not exist yet). */
  volumePath(id: string): string { return join(this.volumeDir, `${checkId(id)}.qcow2`); }

  /** True when the volume has an image. */
  async has(id: string): Promise<boolean> { return this.present(id); }

  /** True when the snapshot has data (inside its volume's image or standalone). */
  async hasSnapshot(id: string): Promise<boolean> {
    return (await exists(this.refPath(id))) || exists(this.snapshotFile(id));
  }

  async read(id: string, offset: number, length: number, size?: number): Promise<Buffer> {
    checkRange(offset, length, size);
    if (length === 0) return Buffer.alloc(0);
    return this.locked(id, async () => {
      if (!(await this.present(id))) return Buffer.alloc(length);
      return this.io(id, undefined, async (c) => {
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
    await this.locked(id, async () => {
      if (!(await this.present(id))) await this.create(id, size);
      await this.io(id, size, (c) => c.write(offset, data));
    });
  }

  async resize(id: string, size: number): Promise<void> {
    await this.locked(id, async () => {
      if (!(await this.present(id))) return;
      const live = await this.liveDisk(id);
      await this.endSession(id);
      if (live) await qmpOnce(live.qmp, 'block_resize', { 'node-name': live.node, size });
      else await resizeImage(this.volumePath(id), size);
    });
  }

  async clone(srcId: string, dstId: string): Promise<void> {
    await this.locked(srcId, async () => {
      if (!(await this.present(srcId))) return this.replace(dstId, null);
      await this.endSession(srcId);
      const live = await this.liveDisk(srcId);
      if (!live) return this.replace(dstId, (tmp) => convertQcow2(this.volumePath(srcId), tmp));
      const mark = `clone-${randomBytes(6).toString('hex')}`;
      await qmpOnce(live.qmp, 'blockdev-snapshot-internal-sync', { device: live.node, name: mark });
      try {
        await this.replace(dstId, (tmp) => convertQcow2(this.volumePath(srcId), tmp, { snapshot: mark }));
      } finally {
        await qmpOnce(live.qmp, 'blockdev-snapshot-delete-internal-sync', { device: live.node, name: mark }).catch(() => undefined);
      }
    });
  }

  async remove(id: string): Promise<void> {
    await this.locked(id, async () => {
      await this.endSession(id);
      await this.exportSnapshotsOf(id);
      await fs.rm(this.volumePath(id), { force: true });
      await fs.rm(this.legacyPath(id), { force: true });
    });
  }

  async snapshot(volumeId: string, snapshotId: string): Promise<boolean> {
    checkId(snapshotId);
    return this.locked(volumeId, async () => {
      if (!(await this.present(volumeId))) return false;
      const live = await this.liveDisk(volumeId);
      await this.endSession(volumeId);
      if (live) await qmpOnce(live.qmp, 'blockdev-snapshot-internal-sync', { device: live.node, name: snapshotId }, 60000);
      else await snapshotOp('c', this.volumePath(volumeId), snapshotId);
      await fs.mkdir(this.snapshotDir, { recursive: true });
      await fs.writeFile(this.refPath(snapshotId), JSON.stringify({ volume: volumeId }), { mode: 0o600 });
      return true;
    });
  }

  async revert(snapshotId: string, volumeId: string): Promise<void> {
    await this.locked(volumeId, async () => {
      await this.endSession(volumeId);
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
    const fill = async () => this.locked(volumeId, async () => this.replace(volumeId, await this.snapshotSource(snapshotId, owner)));
    await (owner ? this.locked(owner, fill) : fill());
  }

  async removeSnapshot(id: string): Promise<void> {
    const owner = await this.owner(id);
    if (owner) {
      await this.locked(owner, async () => {
        if (await this.present(owner)) {
          const live = await this.liveDisk(owner);
          await this.endSession(owner);
          if (live) await qmpOnce(live.qmp, 'blockdev-snapshot-delete-internal-sync', { device: live.node, name: id }).catch(() => undefined);
          else if ((await snapshotNames(this.volumePath(owner))).includes(id)) await snapshotOp('d', this.volumePath(owner), id);
        }
        await fs.rm(this.refPath(id), { force: true });
      });
    }
    await fs.rm(this.snapshotFile(id), { force: true });
  }

  /** Makes the volume's image when missing (an overlay on base when given) and grows it to at least size bytes. */
  async ensureImage(id: string, size: number, base?: string): Promise<string> {
    return this.locked(id, async () => {
      const path = this.volumePath(id);
      if (!(await this.present(id))) await this.create(id, size, base);
      if ((await virtualSize(path)) < size) {
        await this.endSession(id);
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
      return this.locked(id, async () => {
        await this.endSession(id);
        await stopNbdServer(this.pidPath(id));
        return step(i + 1);
      });
    };
    return step(0);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.locked(id, () => this.endSession(id))));
  }

  private legacyPath(id: string): string { return join(this.volumeDir, `${checkId(id)}.img`); }
  private refPath(id: string): string { return join(this.snapshotDir, `${checkId(id)}.ref`); }
  private snapshotFile(id: string): string { return join(this.snapshotDir, `${checkId(id)}.qcow2`); }
  private pidPath(id: string): string { return join(this.runDir, `nbd-${checkId(id)}.pid`); }
  private sockPath(id: string): string { return join(this.runDir, `nbd-${checkId(id)}.sock`); }

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
  private async snapshotSource(snapshotId: string, owner: string | null): Promise<((tmp: string) => Promise<void>) | null> {
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
    await this.endSession(id);
    if (!make) {
      await fs.rm(this.volumePath(id), { force: true });
      return;
    }
    await writeAtomically(this.volumePath(id), make);
  }

  /** Runs fn with an NBD client for the volume (grown to size first when given); a dropped connection is retried once. */
  private async io<T>(id: string, size: number | undefined, fn: (c: NbdClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.session(id, size);
      try {
        const out = await fn(s.client);
        this.idle(id, s);
        return out;
      } catch (err) {
        const dropped = !s.client.usable;
        await this.endSession(id);
        if (!dropped || attempt > 0) throw err;
      }
    }
  }

  private async session(id: string, size: number | undefined): Promise<Session> {
    const live = await this.liveDisk(id);
    let s = this.sessions.get(id);
    if (s && (!s.client.usable || s.live !== Boolean(live) || (size !== undefined && s.client.size < size))) {
      await this.endSession(id);
      s = undefined;
    }
    if (s) return s;
    s = await this.open(id, live);
    if (size !== undefined && s.client.size < size) {
      await this.endSessionOf(s);
      if (live) await qmpOnce(live.qmp, 'block_resize', { 'node-name': live.node, size });
      else await resizeImage(this.volumePath(id), size);
      s = await this.open(id, live);
    }
    this.sessions.set(id, s);
    return s;
  }

  private async open(id: string, live: LiveDisk | undefined): Promise<Session> {
    if (live) {
      await exportLive(live, id);
      return { client: await NbdClient.open(live.nbdSocket, id), live: true };
    }
    await fs.mkdir(this.runDir, { recursive: true });
    await stopNbdServer(this.pidPath(id));
    const server = await startNbdServer(this.volumePath(id), this.sockPath(id), this.pidPath(id));
    try {
      return { client: await NbdClient.open(server.socket), live: false, pid: server.pid };
    } catch (err) {
      await stopNbdServer(this.pidPath(id));
      throw err;
    }
  }

  private idle(id: string, s: Session): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      if (this.sessions.get(id) !== s) return;
      void this.locked(id, async () => { if (this.sessions.get(id) === s) await this.endSession(id); }).catch(() => undefined);
    }, IDLE_MS);
    s.timer.unref();
  }

  /** Closes the volume's NBD session; with none open here, stops a qemu-nbd a crashed Nube may have left holding the image. */
  private async endSession(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return stopNbdServer(this.pidPath(id));
    this.sessions.delete(id);
    await this.endSessionOf(s);
    if (s.pid !== undefined) await fs.rm(this.pidPath(id), { force: true });
  }

  /** Disconnects; a qemu-nbd exits with its last client, and is waited for so the image's lock is free. */
  private async endSessionOf(s: Session): Promise<void> {
    if (s.timer) clearTimeout(s.timer);
    await s.client.close().catch(() => undefined);
    if (s.pid !== undefined && !(await waitExit(s.pid, 5000))) {
      try { process.kill(s.pid, 'SIGKILL'); } catch { /* gone */ }
      await waitExit(s.pid, 5000);
    }
  }

  /** Serializes all work on one volume within this process. */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(id) === next) this.locks.delete(id);
    }
  }
}

/** Makes a running QEMU serve the volume's block node over NBD (idempotent: an existing server or export is reused). */
async function exportLive(live: LiveDisk, id: string): Promise<void> {
  await qmpOnce(live.qmp, 'nbd-server-start', { addr: { type: 'unix', data: { path: live.nbdSocket } } }).catch(ignoreAlready);
  await qmpOnce(live.qmp, 'block-export-add', { type: 'nbd', id: `nbd-${id}`, 'node-name': live.node, name: id, writable: true })
    .catch(ignoreAlready);
}

function ignoreAlready(err: Error): void {
  if (!/already/i.test(err.message)) throw err;
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
