/** One detached qemu-system-x86_64 per VM: its files under `<dataDir>/vms/<id>/`, launch, liveness and kill by pidfile. */
import { promises as fs, readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Where a VM's runtime files live. */
export interface VmPaths {
  dir: string;
  pidfile: string;
  qmp: string;
  nbd: string;
  console: string;
  config: string;
  disks: string;
}

/** The runtime paths of a VM (the id is checked so it can never escape the data dir). */
export function vmPaths(dataDir: string, vmId: string): VmPaths {
  if (!SAFE_ID.test(vmId)) throw new Error(`Invalid VM id ${JSON.stringify(vmId).slice(0, 60)}`);
  const dir = join(dataDir, 'vms', vmId);
  return {
    dir,
    pidfile: join(dir, 'qemu.pid'),
    qmp: join(dir, 'qmp.sock'),
    nbd: join(dir, 'nbd.sock'),
    console: join(dir, 'console.log'),
    config: join(dir, 'config.img'),
    disks: join(dir, 'disks.json'),
  };
}

/** The pid of the VM's QEMU when that process is alive and really is this VM's QEMU; otherwise undefined. */
export function livePid(paths: VmPaths): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(paths.pidfile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes(paths.qmp)) return undefined;
    const state = /\)\s+(\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    if (state === 'Z' || state === 'X') return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

/** Launches QEMU daemonized (it survives a restart of Nube); resolves once the pidfile is written. */
export function launch(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, [...args, '-daemonize'], { timeout: 60000 }, (err, _stdout, stderr) => {
      if (err)
        reject(new Error(`QEMU failed to start: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
      else resolve();
    });
  });
}

/** Waits until the pid is gone, up to timeoutMs; true when it is gone. */
export async function waitGone(paths: VmPaths, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid) || livePid(paths) !== pid) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** Sends SIGKILL and waits for the process to go. */
export async function kill(paths: VmPaths, pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  await waitGone(paths, pid, 5000);
  await fs.rm(paths.pidfile, { force: true });
}

/** CPU time (ms) and resident memory (bytes) of a process, from /proc. */
export function processUsage(pid: number): { cpuTimeMs: number; rssBytes: number; uptimeSec: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const bootSecs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const uptimeSec = Math.max(0, Math.floor(bootSecs - Number(f[19]) / 100));
    return { cpuTimeMs: Math.round((ticks * 1000) / 100), rssBytes: rssKb * 1024, uptimeSec };
  } catch {
    return { cpuTimeMs: 0, rssBytes: 0, uptimeSec: 0 };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = /\)\s+(\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
