/** Goals 2 and 3 of issue 13: deploys reaching Running per second on SQLite or PostgreSQL, while a second client probes a signed list and /readyz, with the server's event-loop delay and its RSS after. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../src/store/db.js';
import { readCredentials, type ServeChild } from '../test/proof/child.js';
import { HttpCs, signedQuery } from '../test/proof/http-cs.js';
import type { DeployResult } from './load.js';
import type { Figure, Note } from './report.js';

/** What the deploy part needs from the bench runner. */
export interface DeployContext {
  deploys: number;
  /** Deploys sent first and not counted, so the server's JIT is warm (as the lists and drives warm up). */
  warmup: number;
  probeRate: number;
  pgUrl?: string;
  tempDir(name: string): string;
  serve(dir: string, phase: string, env: Record<string, string>): Promise<ServeChild>;
  loader<T>(args: string[], env: Record<string, string>): Promise<T>;
  log(msg: string): void;
}

/** Latencies (ms) of one probed path. */
interface Probe {
  lat: number[];
  failed: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const r1 = (n: number) => Math.round(n * 10) / 10;

/** GETs each path in turn at rate requests/s until stop() resolves; one request at a time, so a slow answer shows. */
async function probe(origin: string, paths: Array<() => string>, rate: number, stop: Promise<void>): Promise<Probe[]> {
  const probes = paths.map((): Probe => ({ lat: [], failed: 0 }));
  let done = false;
  void stop.then(() => {
    done = true;
  });
  for (let i = 0; !done; i++) {
    const k = i % paths.length;
    const t = performance.now();
    try {
      const res = await fetch(origin + paths[k]!());
      await res.arrayBuffer();
      if (res.status === 200) probes[k]!.lat.push(performance.now() - t);
      else probes[k]!.failed++;
    } catch {
      probes[k]!.failed++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 / rate - (performance.now() - t))));
  }
  return probes;
}

/** The event-loop delay gauges of one /metrics scrape, in ms (each scrape starts a new window), and the heap's sizes in MB. */
async function loopDelay(
  origin: string,
): Promise<{ p99: number; max: number; heapUsed: number; heapTotal: number; external: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const mb = (name: string) => value(name) / 1024 / 1024;
  return {
    p99: value('nube_event_loop_delay_p99_seconds') * 1000,
    max: value('nube_event_loop_delay_max_seconds') * 1000,
    heapUsed: mb('nodejs_heap_size_used_bytes'),
    heapTotal: mb('nodejs_heap_size_total_bytes'),
    external: mb('nodejs_external_memory_bytes'),
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds used so far by every PostgreSQL server process on this machine (the database's share of a run). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return total;
}

/** Resident memory of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A fresh PostgreSQL database for one run (dropped by the returned function), or the given URL as it is. */
async function pgDatabase(given?: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (given) return { url: given, drop: async () => {} };
  const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `nube_bench_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  return {
    url: admin.replace(/\/postgres$/, `/${name}`),
    drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * Waits until `accepted` VMs created at or after `since` are Running (at most 5 minutes) and returns their count and the
 * seconds from the first created to the last settled.
 */
async function settle(store: Store, accepted: number, since: string): Promise<{ running: number; seconds: number }> {
  const deadline = Date.now() + 300_000;
  let running = 0;
  while (Date.now() < deadline) {
    const row = await store.db
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'running')
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    running = Number(row.n);
    if (running >= accepted) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const span = await store.db
    .selectFrom('vms')
    .select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.max('updated_at').as('last')])
    .where('state', '=', 'running')
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  const ms = (x: unknown) => new Date(x as string | Date).getTime();
  return { running, seconds: (ms(span.last) - ms(span.first)) / 1000 };
}

/** (b) on SQLite or (h) on PostgreSQL: the deploy figures of one run, with the probe, event-loop and RSS figures of goal 3 and 4. */
export async function deployFigures(
  store: 'sqlite' | 'postgres',
  ctx: DeployContext,
): Promise<{ figures: Figure[]; notes: Note[] }> {
  const pgDb = store === 'postgres' ? await pgDatabase(ctx.pgUrl) : undefined;
  const part = store === 'postgres' ? 'deploy-pg' : 'deploy';
  const label = store === 'postgres' ? 'h' : 'b';
  const dir = ctx.tempDir(part);
  // The loop is sampled every millisecond, so a hold of the loop reads to the millisecond (10 ms by default).
  const env: Record<string, string> = { NUBE_SIM_DELAY_MS: '0', NUBE_DEFAULT_LIMITS: 'off', NUBE_LOOP_SAMPLE_MS: '1' };
  if (pgDb) env.DATABASE_URL = pgDb.url;
  try {
    const child = await ctx.serve(dir, part, env);
    const creds = readCredentials(dir);
    const cs = new HttpCs(child.baseUrl, creds.key, creds.secret, 2);
    const zone = (await cs.ok('listZones')).zone[0];
    const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
    await cs.close();
    const params = { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id };
    const list = () =>
      `/compute?${signedQuery(creds.key, creds.secret, 'listVirtualMachines', { page: 1, pagesize: 20 })}`;
    const db = openStore(pgDb ? { databaseUrl: pgDb.url } : { sqlitePath: join(dir, 'nube.db') });
    const deploy = (count: number) =>
      ctx.loader<DeployResult>(['deploy', child.baseUrl, String(count), '64', JSON.stringify(params)], {
        BENCH_KEY: creds.key,
        BENCH_SECRET: creds.secret,
      });
    const notes: Note[] = [];
    if (ctx.warmup > 0) {
      const cpu0 = cpuSeconds(child.proc.pid!);
      const w = await deploy(ctx.warmup);
      const warm = await settle(db, w.accepted, new Date(0).toISOString());
      const perVm = r1(((cpuSeconds(child.proc.pid!) - cpu0) * 1000) / Math.max(1, warm.running));
      notes.push({
        part,
        text: `Deploys (${store}): ${warm.running} warm-up deploys went first and are not counted, so the server's JIT is warm as in the list and drive figures; the fresh process ran them at ${Math.round(warm.running / warm.seconds)}/s, server CPU ${perVm} ms per VM.`,
      });
    }
    const since = new Date().toISOString();
    await loopDelay(child.baseUrl);
    ctx.log(`${store}: sending ${ctx.deploys} deploys, probing a list and /readyz at ${ctx.probeRate}/s`);
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const probes = probe(child.baseUrl, [list, () => '/readyz'], ctx.probeRate, stopped);
    const cpuBefore = { server: cpuSeconds(child.proc.pid!), db: pgDb ? postgresCpuSeconds() : 0 };
    const r = await deploy(ctx.deploys);
    const { running, seconds } = await settle(db, r.accepted, since);
    const cpuMs = (used: number) => r1((used * 1000) / Math.max(1, running));
    const cpu = {
      server: cpuMs(cpuSeconds(child.proc.pid!) - cpuBefore.server),
      db: cpuMs(pgDb ? postgresCpuSeconds() - cpuBefore.db : 0),
    };
    await db.close();
    stop();
    const [listProbe, readyProbe] = await probes;
    const loop = await loopDelay(child.baseUrl);
    const rss = rssMb(child.proc.pid!);
    await child.stop();
    const rate = running / seconds;
    ctx.log(`${store}: ${running} Running in ${r1(seconds)} s (${Math.round(rate)}/s), loop max ${r1(loop.max)} ms`);
    const goal = store === 'postgres' ? 1000 : 2000;
    if (r.refused || r.errors)
      notes.push({
        part,
        text: `Deploy run (${store}): ${r.refused} refused, ${r.errors} transport errors (first refusal: ${r.firstRefusal ?? '-'}).`,
      });
    const probeValue = (p: Probe) =>
      `p99 ${r1(pct(p.lat, 99))} ms, max ${r1(Math.max(...p.lat))} ms (${p.lat.length} answers${p.failed ? `, ${p.failed} failed` : ''})`;
    const figures: Figure[] = [
      {
        part,
        name: `(${label}) ${store}: deploys reaching Running per second (${running} VMs, 64 connections, sim delay 0)`,
        value:
          `${Math.round(rate)}/s (HTTP accept rate ${Math.round(r.accepted / r.seconds)}/s; CPU per VM: server ` +
          `${cpu.server} ms${pgDb ? `, PostgreSQL ${cpu.db} ms` : ''}, load generator ${cpuMs(r.cpuMs / 1000)} ms)`,
        goal: `≥ ${goal}/s`,
        ok: rate >= goal,
      },
      {
        part,
        name: `(${label}') ${store}: signed list probed during the deploys (${ctx.probeRate}/s shared with /readyz)`,
        value: probeValue(listProbe!),
        goal: 'p99 < 50 ms',
        ok: pct(listProbe!.lat, 99) < 50 && listProbe!.failed === 0,
      },
      {
        part,
        name: `(${label}') ${store}: /readyz probed during the deploys`,
        value: probeValue(readyProbe!),
        goal: '< 50 ms',
        ok: Math.max(...readyProbe!.lat) < 50 && readyProbe!.failed === 0,
      },
      {
        part,
        name: `(${label}') ${store}: server event-loop delay during the deploys (monitorEventLoopDelay every 1 ms: how late a sample fired)`,
        value: `p99 ${r1(loop.p99)} ms, max ${r1(loop.max)} ms`,
        goal: 'max ~10 ms',
        ok: loop.max <= 15,
      },
      {
        part,
        name: `(${label}') ${store}: RSS of nube serve after the deploys`,
        value: `${Math.round(rss)} MB (V8 heap ${Math.round(loop.heapUsed)} MB used of ${Math.round(loop.heapTotal)} MB, external ${Math.round(loop.external)} MB)`,
        goal: '< 250 MB',
        ok: rss < 250,
      },
    ];
    return { figures, notes };
  } finally {
    await pgDb?.drop();
  }
}
