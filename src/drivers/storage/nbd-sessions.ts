/** NBD sessions to qcow2 volumes: a qemu-nbd per stopped volume, or the running VM's own NBD export; closed when idle. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { NbdClient } from './nbd.js';
import { qmpOnce } from '../compute/qemu/qmp.js';
import type { KeyedLock } from '../keyed-lock.js';
import { checkId } from './checks.js';
import { resizeImage, startNbdServer, stopNbdServer, waitExit } from './qemu-img.js';

/** A volume open in a running VM: that QEMU's QMP socket, the volume's block node, and where that QEMU serves NBD. */
export interface LiveDisk {
  qmp: string;
  node: string;
  nbdSocket: string;
}

/** An open NBD session is kept this long after its last use, then closed so the image's lock is free. */
const IDLE_MS = 1000;

interface Session {
  client: NbdClient;
  live: boolean;
  pid?: number;
  timer?: NodeJS.Timeout;
}

/** The open NBD session of each volume; callers hold the volume's lock, the idle timer takes it itself. */
export class NbdSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly runDir: string,
    private readonly lock: KeyedLock,
    private readonly imagePath: (id: string) => string,
    private readonly liveDisk: (id: string) => Promise<LiveDisk | undefined>,
  ) {}

  /** Closes every open session. */
  async endAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.lock.run(id, () => this.end(id))));
  }

  /** Runs fn (under the volume's lock) with an NBD client for the volume (grown to size first when given); a dropped connection is retried once. */
  async io<T>(id: string, size: number | undefined, fn: (c: NbdClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.session(id, size);
      try {
        const out = await fn(s.client);
        this.idle(id, s);
        return out;
      } catch (err) {
        const dropped = !s.client.usable;
        await this.end(id);
        if (!dropped || attempt > 0) throw err;
      }
    }
  }

  private async session(id: string, size: number | undefined): Promise<Session> {
    const live = await this.liveDisk(id);
    let s = this.sessions.get(id);
    if (s && (!s.client.usable || s.live !== Boolean(live) || (size !== undefined && s.client.size < size))) {
      await this.end(id);
      s = undefined;
    }
    if (s) return s;
    s = await this.open(id, live);
    if (size !== undefined && s.client.size < size) {
      await this.endSessionOf(s);
      if (live) await qmpOnce(live.qmp, 'block_resize', { 'node-name': live.node, size });
      else await resizeImage(this.imagePath(id), size);
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
    const server = await startNbdServer(this.imagePath(id), this.sockPath(id), this.pidPath(id));
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
      void this.lock
        .run(id, async () => {
          if (this.sessions.get(id) === s) await this.end(id);
        })
        .catch(() => undefined);
    }, IDLE_MS);
    s.timer.unref();
  }

  /** Closes the volume's NBD session (call under the volume's lock); with none open here, stops a qemu-nbd a crashed Nube may have left holding the image. */
  async end(id: string): Promise<void> {
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
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitExit(s.pid, 5000);
    }
  }

  private pidPath(id: string): string {
    return join(this.runDir, `nbd-${checkId(id)}.pid`);
  }
  private sockPath(id: string): string {
    return join(this.runDir, `nbd-${checkId(id)}.sock`);
  }
}

/** Makes a running QEMU serve the volume's block node over NBD (idempotent: an existing server or export is reused). */
async function exportLive(live: LiveDisk, id: string): Promise<void> {
  await qmpOnce(live.qmp, 'nbd-server-start', { addr: { type: 'unix', data: { path: live.nbdSocket } } }).catch(
    ignoreAlready,
  );
  await qmpOnce(live.qmp, 'block-export-add', {
    type: 'nbd',
    id: `nbd-${id}`,
    'node-name': live.node,
    name: id,
    writable: true,
  }).catch(ignoreAlready);
}

function ignoreAlready(err: Error): void {
  if (!/already/i.test(err.message)) throw err;
}
