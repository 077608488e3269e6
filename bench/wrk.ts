/** One GET load run with wrk (`apt-get install wrk`), or autocannon where wrk is absent: requests/s and latency percentiles, so every list and its ceiling are measured by the same generator. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/proof/child.js';

/** What one load run measured; latencies in milliseconds. */
export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** How to load one URL. */
export interface LoadOptions {
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
  /** Seconds of unmeasured load first (2 when absent; 0 for a slice of a run already warm). */
  warmup?: number;
}

/** The generator this machine has: wrk when installed, else the autocannon devDependency. */
const LOAD_TOOL: 'wrk' | 'autocannon' =
  spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined ? 'wrk' : 'autocannon';

/** Runs a command to completion in the repository (env added to this process's) and answers its stdout. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** A wrk duration such as `812.00us`, `1.20ms` or `2.01s`, in milliseconds. */
function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`wrk: cannot read the duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The figures of `wrk --latency` output. */
function parseWrk(text: string): Omit<LoadResult, 'tool'> {
  const pct = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(text);
    if (!m) throw new Error(`wrk: no ${p}% latency in:\n${text}`);
    return wrkMs(m[1]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (!rps) throw new Error(`wrk: no Requests/sec in:\n${text}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps: Number(rps[1]), p50: pct(50), p90: pct(90), p99: pct(99), non2xx: Number(non2xx?.[1] ?? 0), errors };
}

/** Loads url for opts.seconds (after opts.warmup, 2 s by default) with opts.connections connections and two threads. */
export async function loadUrl(url: string, opts: LoadOptions): Promise<LoadResult> {
  const headers = Object.entries(opts.headers ?? {});
  const warm = opts.warmup ?? 2;
  if (LOAD_TOOL === 'wrk') {
    const h = headers.flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const args = (s: number) => ['-t2', `-c${opts.connections}`, `-d${s}s`, '--latency', ...h, url];
    if (warm > 0) await run('wrk', args(warm));
    return { tool: 'wrk', ...parseWrk(await run('wrk', args(opts.seconds))) };
  }
  const bin = join(REPO_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
  const h = headers.flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const args = (s: number) => ['-c', String(opts.connections), '-d', String(s), ...h, '-j', url];
  if (warm > 0) await run(process.execPath, [bin, ...args(warm)]);
  const r = JSON.parse(await run(process.execPath, [bin, ...args(opts.seconds)])) as {
    requests: { total: number };
    latency: { p50: number; p90: number; p99: number };
    non2xx: number;
    errors: number;
    duration: number;
  };
  return {
    tool: 'autocannon',
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}
