/** Goal 4 of issue 13: with 100,000 VMs (BENCH_SCALE_VMS), list p50 at the first and a deep page, and restart to `Ready.` (median and min of BENCH_RESTARTS). */
import { join } from 'node:path';
import { openStore } from '../src/store/db.js';
import { readCredentials, type ServeChild } from '../test/proof/child.js';
import { signedQuery } from '../test/proof/http-cs.js';
import type { GetResult } from './load.js';
import { populateVms } from './populate.js';
import type { Figure } from './report.js';

/** What the scale part needs from the bench runner. */
export interface ScaleContext {
  vms: number;
  restarts: number;
  serve(dir: string, phase: string, env?: Record<string, string>): Promise<ServeChild>;
  loader<T>(args: string[]): Promise<T>;
  log(msg: string): void;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** Tops dir's admin account up to ctx.vms VMs (it holds `already`), then measures the deep and first pages and the restarts. */
export async function scaleFigures(dir: string, already: number, ctx: ScaleContext): Promise<Figure[]> {
  const creds = readCredentials(dir);
  const listPath = (page: number) =>
    `/compute?${signedQuery(creds.key, creds.secret, 'listVirtualMachines', { page, pagesize: 20 })}`;
  const store = openStore({ sqlitePath: join(dir, 'nube.db') });
  ctx.log(`inserting ${ctx.vms - already} more VMs`);
  const t0 = performance.now();
  await populateVms(store, dir, 'admin', ctx.vms - already);
  ctx.log(`inserted in ${Math.round(performance.now() - t0)} ms`);
  await store.close();
  const deepPage = Math.floor(ctx.vms / 40);
  const restarts: number[] = [];
  let child = await ctx.serve(dir, 'list-100k');
  restarts.push(child.readyMs);
  const first = await ctx.loader<GetResult>(['get', child.baseUrl, listPath(1), '1', '1000', '5000']);
  const deep = await ctx.loader<GetResult>(['get', child.baseUrl, listPath(deepPage), '1', '1000', '5000']);
  await child.stop();
  while (restarts.length < ctx.restarts) {
    child = await ctx.serve(dir, 'restart-100k');
    restarts.push(child.readyMs);
    await child.stop();
  }
  const sorted = [...restarts].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  ctx.log(`restarts with ${ctx.vms} VMs: ${sorted.map(Math.round).join(', ')} ms`);
  const n = ctx.vms.toLocaleString('en');
  return [
    {
      part: 'scale',
      name: `(c) list p50 latency, first page of 20, ${n} VMs (one client)`,
      value: `${r2(first.p50)} ms (p99 ${r2(first.p99)} ms)`,
      goal: '< 5 ms',
      ok: first.p50 < 5,
    },
    {
      part: 'scale',
      name: `(c') same, page ${deepPage.toLocaleString('en')} (offset ${((deepPage - 1) * 20).toLocaleString('en')})`,
      value: `${r2(deep.p50)} ms (p99 ${r2(deep.p99)} ms)`,
      goal: '< 5 ms',
      ok: deep.p50 < 5,
    },
    {
      part: 'scale',
      name: `(d') restart to \`Ready.\` with ${n} VMs (median, min of ${restarts.length})`,
      value: `${Math.round(median)} ms, ${Math.round(sorted[0]!)} ms`,
      goal: '< 1000 ms',
      ok: median < 1000,
    },
  ];
}
