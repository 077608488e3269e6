/** Open handles of raw volume files kept across calls (least recently used dropped first), never used once the path names another file (checked with a synchronous stat: microseconds, where the thread pool would add a round trip per call). */
import { constants, promises as fs, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One open volume file: a page-cache handle, an O_DIRECT one opened on demand, and what fstat said of the file. */
export interface OpenFile {
  readonly path: string;
  readonly fh: FileHandle;
  /** Known length of the file (kept up to date by the writer that grows it). */
  size: number;
  readonly ino: number;
  readonly dev: number;
  /** Calls using the file now; it is closed when it is dropped and this is 0. */
  refs: number;
  /** Dropped from the cache: no new call may use it. */
  dead: boolean;
  direct?: Promise<FileHandle | undefined>;
}

/** Most volume files held open at once. */
const MAX_OPEN = 16;

/** Opens volume files once and hands them out to calls; a handle whose path was removed or replaced is closed and reopened. */
export class HandleCache {
  private files = new Map<string, Promise<OpenFile>>();

  constructor(private readonly max = MAX_OPEN) {}

  /** Runs fn with the open file at path (created when create is true); undefined without fn when the file is missing. */
  async use<T>(path: string, create: boolean, fn: (f: OpenFile) => Promise<T>): Promise<T | undefined> {
    const held = await this.hold(path, create);
    if (!held) return undefined;
    try {
      return await fn(held.file);
    } finally {
      await held.release();
    }
  }

  /** Takes the open file at path (created when create is true) until release is called (a removed file's data stays reachable through it until then); undefined when the file is missing. */
  async hold(path: string, create: boolean): Promise<{ file: OpenFile; release(): Promise<void> } | undefined> {
    const f = await this.acquire(path, create);
    if (!f) return undefined;
    let held = true;
    return {
      file: f,
      release: async () => {
        if (!held) return;
        held = false;
        f.refs--;
        if (f.dead && f.refs === 0) await closeFile(f);
      },
    };
  }

  /** The O_DIRECT handle of an open file, or undefined where the filesystem refuses O_DIRECT. */
  direct(f: OpenFile): Promise<FileHandle | undefined> {
    f.direct ??= openSameFile(f, constants.O_RDWR | constants.O_DIRECT);
    return f.direct;
  }

  /** Stops handing out path's handle; it closes once the calls using it are done. */
  forget(path: string): void {
    const p = this.files.get(path);
    if (!p) return;
    this.files.delete(path);
    void p.then(
      (f) => this.kill(f),
      () => undefined,
    );
  }

  /** Forgets every handle and waits until they are closed. */
  async closeAll(): Promise<void> {
    const all = [...this.files.values()];
    this.files.clear();
    await Promise.all(
      all.map((p) =>
        p.then(
          (f) => this.kill(f),
          () => undefined,
        ),
      ),
    );
  }

  private async acquire(path: string, create: boolean): Promise<OpenFile | undefined> {
    for (;;) {
      const cached = this.files.get(path);
      if (cached) {
        this.files.delete(path);
        this.files.set(path, cached);
        const f = await cached.catch(() => undefined);
        if (!f) {
          if (this.files.get(path) === cached) this.files.delete(path);
          continue;
        }
        const now = statSync(path, { throwIfNoEntry: false });
        if (f.dead) continue;
        if (now && now.ino === f.ino && now.dev === f.dev) {
          f.refs++;
          return f;
        }
        this.forget(path);
        continue;
      }
      const opening = openFile(path, create);
      this.files.set(path, opening);
      this.evict();
      let f: OpenFile | undefined;
      try {
        f = await opening;
      } catch (err) {
        if (this.files.get(path) === opening) this.files.delete(path);
        if (!create && isMissing(err)) return undefined;
        throw err;
      }
      if (f.dead) continue;
      f.refs++;
      return f;
    }
  }

  private evict(): void {
    for (const path of this.files.keys()) {
      if (this.files.size <= this.max) return;
      this.forget(path);
    }
  }

  private async kill(f: OpenFile): Promise<void> {
    if (f.dead) return;
    f.dead = true;
    if (f.refs === 0) await closeFile(f);
  }
}

async function openFile(path: string, create: boolean): Promise<OpenFile> {
  const flags = constants.O_RDWR | (create ? constants.O_CREAT : 0);
  let fh: FileHandle;
  try {
    fh = await fs.open(path, flags, 0o600);
  } catch (err) {
    if (!create || !isMissing(err)) throw err;
    await fs.mkdir(dirname(path), { recursive: true });
    fh = await fs.open(path, flags, 0o600);
  }
  try {
    const st = await fh.stat();
    return { path, fh, size: st.size, ino: st.ino, dev: st.dev, refs: 0, dead: false };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Opens f's path again with other flags; undefined when that fails or the path now names another file. */
async function openSameFile(f: OpenFile, flags: number): Promise<FileHandle | undefined> {
  const fh = await fs.open(f.path, flags).catch(() => undefined);
  if (!fh) return undefined;
  const st = await fh.stat().catch(() => undefined);
  if (st?.ino === f.ino && st.dev === f.dev) return fh;
  await fh.close().catch(() => undefined);
  return undefined;
}

async function closeFile(f: OpenFile): Promise<void> {
  const direct = f.direct;
  f.direct = Promise.resolve(undefined);
  await f.fh.close().catch(() => undefined);
  await (await direct?.catch(() => undefined))?.close().catch(() => undefined);
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
