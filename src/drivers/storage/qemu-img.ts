/** qemu-img and qemu-nbd as functions: create, size, resize, convert, internal snapshots, and an NBD server for one image. */
import { execFile, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';

/** Runs qemu-img; a failure carries qemu-img's own last error line. */
function qemuImg(args: string[], timeoutMs = 600000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`qemu-img ${args[0]} failed: ${lastLine(stderr) || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The virtual size of an image in bytes (readable while a VM has it open). */
export async function virtualSize(path: string): Promise<number> {
  const info = JSON.parse(await qemuImg(['info', '--output=json', '-U', path])) as { 'virtual-size': number };
  return Number(info['virtual-size']);
}

/** Creates a qcow2 image of size bytes, or an overlay on a qcow2 backing image. */
export async function createQcow2(path: string, size: number, backing?: string): Promise<void> {
  const args = ['create', '-q', '-f', 'qcow2'];
  if (backing) args.push('-F', 'qcow2', '-b', backing);
  args.push(path);
  if (!backing) args.push(String(size));
  await qemuImg(args);
}

/** Sets an image's virtual size; shrinking is allowed because the caller decided the new size. */
export async function resizeImage(path: string, size: number): Promise<void> {
  const current = await virtualSize(path);
  if (size === current) return;
  await qemuImg(['resize', '-q', ...(size < current ? ['--shrink'] : []), '-f', 'qcow2', path, String(size)]);
}

/** Writes a standalone qcow2 copy of src (its current state, or one of its internal snapshots) to dst. */
export async function convertQcow2(
  src: string,
  dst: string,
  opts: { snapshot?: string; srcFormat?: 'qcow2' | 'raw' } = {},
): Promise<void> {
  const args = ['convert', '-q', '-U', '-f', opts.srcFormat ?? 'qcow2', '-O', 'qcow2'];
  if (opts.snapshot) args.push('-l', `snapshot.name=${opts.snapshot}`);
  await qemuImg([...args, src, dst]);
}

/** Internal snapshot operations on a closed image: create (-c), apply (-a), delete (-d). */
export async function snapshotOp(op: 'c' | 'a' | 'd', path: string, name: string): Promise<void> {
  await qemuImg(['snapshot', `-${op}`, name, path]);
}

/** Names of the internal snapshots of an image. */
export async function snapshotNames(path: string): Promise<string[]> {
  const info = JSON.parse(await qemuImg(['info', '--output=json', '-U', path])) as {
    snapshots?: Array<{ name: string }>;
  };
  return (info.snapshots ?? []).map((s) => s.name);
}

/** A qemu-nbd serving one image on a unix socket to one client; it exits when that client disconnects. */
export interface NbdServer {
  pid: number;
  socket: string;
}

/** Starts qemu-nbd for an image; resolves once its socket accepts a connection. */
export async function startNbdServer(image: string, socket: string, pidfile: string): Promise<NbdServer> {
  await fs.rm(socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    const p = spawn(
      'qemu-nbd',
      ['-k', socket, '-f', 'qcow2', '--cache=writeback', '--fork', `--pid-file=${pidfile}`, image],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`qemu-nbd failed: ${lastLine(err) || `exit ${code}`}`)),
    );
  });
  const pid = Number((await fs.readFile(pidfile, 'utf8')).trim());
  return { pid, socket };
}

/** Stops a qemu-nbd left by pidfile (e.g. by a crashed Nube) so the image's lock is free; absent is fine. */
export async function stopNbdServer(pidfile: string, timeoutMs = 5000): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidfile, 'utf8').trim());
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 1 && isQemuNbd(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await waitExit(pid, timeoutMs);
    if (isQemuNbd(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitExit(pid, timeoutMs);
    }
  }
  await fs.rm(pidfile, { force: true });
}

/** Waits until pid has exited (or is a zombie), up to timeoutMs. */
export async function waitExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isQemuNbd(pid)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function isQemuNbd(pid: number): boolean {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('qemu-nbd')) return false;
    const state = /\)\s+(\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function lastLine(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .slice(-1)[0]
      ?.trim() ?? ''
  );
}
