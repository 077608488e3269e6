/** Goal 1 of issue 13: each list, loaded with wrk at 64 connections, beside its own same-bytes ceiling (bench/hello.ts sending that list's exact answer) measured in the same run. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort } from '../test/proof/child.js';
import { loadUrl, type LoadResult } from './wrk.js';
import type { Figure } from './report.js';

/** One list to measure: its URL and headers, and a check of its first answer. */
export interface ListCase {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** Throws when the answer is not the page the figure claims to measure. */
  check(body: Buffer): void;
}

/** A list's figures: Nube and its same-bytes ceiling. */
export interface ListRun {
  name: string;
  bytes: number;
  nube: LoadResult;
  ceiling: LoadResult;
}

/** Starts bench/hello.ts sending body with contentType, runs fn against its URL, and stops it. */
async function withCeiling<T>(body: Buffer, contentType: string, fn: (url: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'nube-bench-ceiling-'));
  const file = join(dir, 'answer');
  writeFileSync(file, body);
  const port = await freePort();
  const args = ['--import', 'tsx', join(REPO_ROOT, 'bench', 'hello.ts'), String(port), file, contentType];
  const hello = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      hello.once('exit', (code) => reject(new Error(`bench/hello.ts exited ${code}`)));
      hello.stdout.on('data', (b: Buffer) => {
        if (b.toString().includes('Ready.')) resolve();
      });
    });
    return await fn(`http://127.0.0.1:${port}/`);
  } finally {
    hello.removeAllListeners('exit');
    hello.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many slices each list's measured seconds are cut into, Nube's and its ceiling's taken in turn. */
const SLICES = 5;

/** The mean rate of slices of equal length, with their non-2xx answers and errors. */
function meanRate(slices: LoadResult[]): { rps: number; non2xx: number; errors: number } {
  const sum = (pick: (r: LoadResult) => number) => slices.reduce((a, r) => a + pick(r), 0);
  return { rps: sum((r) => r.rps) / slices.length, non2xx: sum((r) => r.non2xx), errors: sum((r) => r.errors) };
}

/**
 * Fetches each list once (checked, saved); loads Nube for opts.seconds after a 2 s warm-up, which gives the latency
 * figures; then loads Nube and the bare server sending the same bytes in turn, SLICES slices of opts.seconds / SLICES
 * each, alternating which goes first, which gives the rates: a change of the shared machine's pace during the run
 * weighs on both alike. (A slice opens 64 new connections, whose first requests are slower; the latency comes from
 * the continuous run.)
 */
export async function measureLists(
  cases: ListCase[],
  opts: { seconds: number; connections: number },
  log: (msg: string) => void,
): Promise<ListRun[]> {
  const runs: ListRun[] = [];
  const slice = { connections: opts.connections, seconds: Math.max(1, Math.round(opts.seconds / SLICES)) };
  for (const c of cases) {
    const res = await fetch(c.url, { headers: c.headers });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${c.name} answered ${res.status}: ${body.toString().slice(0, 300)}`);
    c.check(body);
    const contentType = res.headers.get('content-type') ?? 'application/json';
    log(`${c.name}: Nube for ${opts.seconds} s (latency)`);
    const latency = await loadUrl(c.url, { ...opts, headers: c.headers });
    log(
      `${c.name}: Nube and its same-bytes ceiling (${body.length} bytes) in turn, ${SLICES} slices of ${slice.seconds} s`,
    );
    const rates = await withCeiling(body, contentType, async (url) => {
      const nube = (warmup = 0) => loadUrl(c.url, { ...slice, warmup, headers: c.headers });
      const ceiling = (warmup = 0) => loadUrl(url, { ...slice, warmup });
      const ours = [await nube()];
      const theirs = [await ceiling(2)];
      for (let i = 1; i < SLICES; i++) {
        if (i % 2 === 1) theirs.push(await ceiling());
        ours.push(await nube());
        if (i % 2 === 0) theirs.push(await ceiling());
      }
      const rate = meanRate(ours);
      const nubeRun = {
        ...latency,
        ...rate,
        non2xx: rate.non2xx + latency.non2xx,
        errors: rate.errors + latency.errors,
      };
      return { nube: nubeRun, ceiling: { ...theirs[0]!, ...meanRate(theirs) } };
    });
    log(`${c.name}: ${Math.round(rates.nube.rps)} of ${Math.round(rates.ceiling.rps)} req/s, p99 ${latency.p99} ms`);
    runs.push({ name: c.name, bytes: body.length, ...rates });
  }
  return runs;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** The goal-1 figures of these runs: ratio to the ceiling (≥ 0.5) and p99 (< 20 ms), each with both raw rates. */
export function listFiguresOf(runs: ListRun[], connections: number): Figure[] {
  return runs.flatMap((r): Figure[] => {
    const ratio = r.nube.rps / r.ceiling.rps;
    const tool = r.nube.tool;
    return [
      {
        part: 'list',
        name: `(a) ${r.name}, ${connections} connections (${tool}): ratio to its same-bytes ceiling`,
        value:
          `${Math.round(ratio * 100) / 100} (${Math.round(r.nube.rps)} of ${Math.round(r.ceiling.rps)} req/s, ` +
          `${Math.round(r.bytes / 102.4) / 10} KB)` +
          (r.nube.non2xx || r.nube.errors ? `, ${r.nube.non2xx} non-2xx, ${r.nube.errors} errors` : ''),
        goal: '≥ 0.5',
        ok: ratio >= 0.5 && r.nube.non2xx === 0 && r.nube.errors === 0,
      },
      {
        part: 'list',
        name: `(a) ${r.name}: p99 latency under that load`,
        value: `${r1(r.nube.p99)} ms (p50 ${r1(r.nube.p50)}, p90 ${r1(r.nube.p90)} ms)`,
        goal: '< 20 ms',
        ok: r.nube.p99 < 20,
      },
    ];
  });
}
