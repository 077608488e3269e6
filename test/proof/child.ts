/** Spawns real `nube serve` processes for proof tests and benchmarks: free port, wait for `Ready.`, kill -9, credentials. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running `nube serve` child. */
export interface ServeChild {
  proc: ChildProcess;
  port: number;
  baseUrl: string;
  /** Milliseconds from spawn until the `Ready.` line. */
  readyMs: number;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGKILL and waits for the exit. */
  kill9(): Promise<void>;
  /** Sends SIGTERM, then SIGKILL after graceMs, and waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/** An unused TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** How to start the child: from source through tsx (tests) or the built CLI (benchmarks). */
export type ServeEntry = 'source' | 'built';

/** Starts `nube serve` with env on a free port and resolves once it printed `Ready.` (rejects after timeoutMs or on early exit). */
export async function startServe(
  env: Record<string, string>,
  opts: { entry?: ServeEntry; timeoutMs?: number; nodeArgs?: string[]; onOutput?: (all: string) => void } = {},
): Promise<ServeChild> {
  const port = await freePort();
  const args =
    opts.entry === 'built'
      ? [...(opts.nodeArgs ?? []), join(REPO_ROOT, 'bin', 'nube.js'), 'serve']
      : [...(opts.nodeArgs ?? []), '--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'serve-main.ts')];
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NUBE_LOG_LEVEL: 'warn',
      NUBE_DNS_LISTEN: '127.0.0.1:0',
      ...env,
      NUBE_LISTEN: `127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const waitExit = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exited,
      new Promise((r) => {
        timer = setTimeout(r, ms);
      }),
    ]);
    clearTimeout(timer);
  };
  const child: ServeChild = {
    proc,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    readyMs: 0,
    output: () => out,
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await waitExit(10_000);
    },
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await waitExit(graceMs);
      await child.kill9();
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`nube serve printed no "Ready." within ${opts.timeoutMs ?? 30000} ms:\n${out}`)),
      opts.timeoutMs ?? 30000,
    );
    const onData = (buf: Buffer) => {
      out += buf.toString('utf8');
      opts.onOutput?.(out);
      if (child.readyMs === 0 && /^Ready\.$/m.test(out)) {
        child.readyMs = performance.now() - t0;
        clearTimeout(timer);
        proc.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null, sig: string | null) =>
      fail(new Error(`nube serve exited (${code ?? sig}) before "Ready.":\n${out}`));
    function fail(err: Error) {
      clearTimeout(timer);
      proc.off('exit', onExit);
      void child.kill9().then(() => reject(err));
    }
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (buf: Buffer) => {
      out += buf.toString('utf8');
      opts.onOutput?.(out);
    });
    proc.once('exit', onExit);
  });
  return child;
}

/** The admin account's CloudStack key pair from `<dataDir>/credentials.json`. */
export function readCredentials(dataDir: string): { key: string; secret: string; endpoint: string } {
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as {
    cloudstack: { key: string; secret: string; endpoint: string };
  };
  return creds.cloudstack;
}
