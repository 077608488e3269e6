/** `npm run bench`: list throughput vs bare Fastify, deploys/s, list latency at 100k VMs, time to Ready, CloudSigma drive throughput vs dd and real qemu guests, drive reads during a sign-in flood, in one run; writes BENCHMARKS.md. */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../src/store/db.js';
import { REPO_ROOT, readCredentials, startServe, type ServeChild } from '../test/proof/child.js';
import { signedQuery } from '../test/proof/http-cs.js';
import { driveThroughput } from './drives.js';
import { authFlood, type FloodPhase } from './auth-flood.js';
import { killQemus, qemuFigures, qemuMissing } from './qemu.js';
import { populateVms } from './populate.js';
import { summariseProfiles } from './profile.js';
import { deployFigures } from './deploy.js';
import { scaleFigures } from './scale.js';
import { stateFigures } from './state.js';
import { listFiguresOf, measureLists, type ListCase } from './lists.js';
import { run } from './wrk.js';
import { parseRecords } from '../src/lib/sigma-text.js';
import { PARTS, row, table, writeMarkdown, type Figure, type Note, type Part } from './report.js';

const ENTRY = process.env.BENCH_ENTRY === 'source' ? 'source' : 'built';
const PROFILE = process.env.BENCH_PROFILE === '1';
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 5000);
/** Deploys sent before the counted ones (JIT warm-up); 0 measures a fresh process. */
const DEPLOY_WARMUP = Number(process.env.BENCH_DEPLOY_WARMUP ?? 1000);
const LIST_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Connections of the goal-1 list runs (wrk -c). */
const LIST_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DRIVE_MIB = Number(process.env.BENCH_DRIVE_MIB ?? 512);
const AUTH_SECONDS = Number(process.env.BENCH_AUTH_SECONDS ?? 5);
const QEMU_VMS = Number(process.env.BENCH_QEMU_VMS ?? 3);
const QEMU_IDLE_S = Number(process.env.BENCH_QEMU_IDLE_S ?? 10);
const QEMU_TEMPLATE_DIR = process.env.BENCH_QEMU_TEMPLATE_DIR ?? join(tmpdir(), 'nube-bench-guest-template');
const PROFILE_ROOT = join(REPO_ROOT, 'bench', 'profiles');
/** BENCH_LISTS=rest,cvm: only the lists whose name holds one of these words (to profile one dialect; printed only). */
const LIST_FILTER = (process.env.BENCH_LISTS ?? '')
  .toLowerCase()
  .split(',')
  .map((w) => w.trim())
  .filter(Boolean);
/** BENCH_LIST_QUICK=1: BENCHMARKS.md is left as it is (as BENCH_NO_WRITE=1). */
const QUICK_LIST = process.env.BENCH_LIST_QUICK === '1';

const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((x) => x.trim())
  .filter(Boolean);
for (const p of ONLY)
  if (!(PARTS as readonly string[]).includes(p))
    throw new Error(`BENCH_ONLY: unknown part "${p}" (parts: ${PARTS.join(', ')})`);
const selected = (p: Part) => ONLY.length === 0 || ONLY.includes(p);

const figures: Figure[] = [];
const notes: Note[] = [];
const qemuDirs: string[] = [];
const children: ServeChild[] = [];
const dirs: string[] = [];

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The load generator process (bench/load.ts). */
async function loader<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const out = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'load.ts'), ...args], env);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

async function serve(
  dataDir: string,
  phase: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<ServeChild> {
  const nodeArgs = [
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_ROOT, phase)}`] : []),
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = await startServe(
    { NUBE_DATA_DIR: dataDir, NUBE_LOG_LEVEL: 'warn', ...env },
    { entry: ENTRY, nodeArgs, timeoutMs },
  );
  children.push(child);
  return child;
}

function tempDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `nube-bench-${name}-`));
  dirs.push(d);
  return d;
}

function openSqlite(dataDir: string): Store {
  return openStore({ sqlitePath: join(dataDir, 'nube.db') });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** (d) time to Ready on a fresh data dir, and the dir left behind with its admin account. */
async function readyTimes(): Promise<{ dir: string; first: number }> {
  const dir = tempDir('list');
  const child = await serve(dir, 'ready');
  const first = child.readyMs;
  await child.stop();
  log(`first start Ready. after ${Math.round(first)} ms`);
  return { dir, first };
}

/** (a) list throughput vs bare Fastify and (c) list latency at 100k VMs, plus restart times (d'). */
async function listFigures(dir: string): Promise<void> {
  const creds = readCredentials(dir);
  const listPath = (page: number) =>
    `/compute?${signedQuery(creds.key, creds.secret, 'listVirtualMachines', { page, pagesize: 20 })}`;
  const store = openSqlite(dir);
  log('inserting 10,000 VMs');
  const t0 = performance.now();
  await populateVms(store, dir, 'admin', 10_000);
  log(`inserted in ${Math.round(performance.now() - t0)} ms`);
  await store.close();
  // CloudSigma's servers/info and CVM's vps/list answer whole lists: a second account holds 20 VMs for them.
  const small = JSON.parse(
    await run(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'nube.js'), 'admin', 'account', 'create', 'bench20', '--password', 'bench20-password'],
      {
        NUBE_DATA_DIR: dir,
      },
    ),
  ) as { cloudsigma: { user: string; password: string }; cvm: { public: string; private: string } };
  const store20 = openSqlite(dir);
  await populateVms(store20, dir, 'bench20', 20);
  await store20.close();

  // REST rate limits off: the free tier's 60 calls a minute would refuse the REST list's load (the CloudStack list has none).
  const child = await serve(dir, 'list-10k', { NUBE_RATE_LIMITS: 'off' });
  const restart10k = child.readyMs;
  const token = (JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { rest: { token: string } }).rest
    .token;
  const cases: ListCase[] = [
    {
      name: 'signed listVirtualMachines, page of 20 of 10,000 VMs',
      url: `${child.baseUrl}${listPath(1)}`,
      check(body) {
        const r = (
          JSON.parse(body.toString()) as {
            listvirtualmachinesresponse: { count?: number; virtualmachine?: unknown[] };
          }
        ).listvirtualmachinesresponse;
        if (r.count !== 10_000 || r.virtualmachine?.length !== 20)
          throw new Error(`list answered count ${r.count} with ${r.virtualmachine?.length} items`);
      },
    },
    {
      name: 'REST GET /api/v1/vps, page of 20 of the same 10,000 VMs (bearer token)',
      url: `${child.baseUrl}/api/v1/vps?page=1&per_page=20`,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      check(body) {
        const r = JSON.parse(body.toString()) as { data?: unknown[]; pagination?: { total: number } };
        if (r.pagination?.total !== 10_000 || r.data?.length !== 20)
          throw new Error(`REST list answered total ${r.pagination?.total} with ${r.data?.length} items`);
      },
    },
    {
      name: 'CloudSigma GET /servers/info, all 20 servers of an account (Basic auth)',
      url: `${child.baseUrl}/servers/info`,
      headers: {
        authorization: `Basic ${Buffer.from(`${small.cloudsigma.user}:${small.cloudsigma.password}`).toString('base64')}`,
      },
      check(body) {
        const n = parseRecords(body.toString()).length;
        if (n !== 20) throw new Error(`CloudSigma servers/info answered ${n} servers`);
      },
    },
    {
      name: 'CVM GET /api/client/vps/list, all 20 VPSes of an account (token pair)',
      url: `${child.baseUrl}/api/client/vps/list`,
      headers: { 'API-Public-Token': small.cvm.public, 'API-Private-Token': small.cvm.private },
      check(body) {
        const n = (JSON.parse(body.toString()) as { response?: { vpses?: unknown[] } }).response?.vpses?.length;
        if (n !== 20) throw new Error(`CVM vps/list answered ${n} VPSes`);
      },
    },
  ];
  const runs = await measureLists(
    cases.filter((c) => LIST_FILTER.length === 0 || LIST_FILTER.some((w) => c.name.toLowerCase().includes(w))),
    { seconds: LIST_SECONDS, connections: LIST_CONNECTIONS },
    log,
  );
  await child.stop();
  figures.push(...listFiguresOf(runs, LIST_CONNECTIONS));
  log(`restart to Ready. with 10,000 VMs: ${Math.round(restart10k)} ms`);
}

/** (e) CloudSigma drive write (raw, gzip) and read throughput in 4 MiB API calls, as ratios to dd in the same data dir. */
async function driveFigures(): Promise<void> {
  const dir = tempDir('drives');
  const child = await serve(dir, 'drives');
  const r = await driveThroughput(child.baseUrl, dir, DRIVE_MIB, log);
  await child.stop();
  const mbs = (n: number) => `${Math.round(n)} MB/s`;
  const size = `${r.sizeMiB} MiB drive, sequential 4 MiB calls on one keep-alive connection`;
  const fig = (name: string, value: string, goal = '', ok: boolean | null = null) =>
    figures.push({ part: 'drives', name, value, goal, ok });
  fig(
    `(e) CloudSigma drive write, raw octet-stream (${size}): ratio to the same client sending to a bare node:http sink`,
    `${round(r.writeVsSink, 2)} (${mbs(r.writeRaw)} of ${mbs(r.bareSink)})`,
    '≥ 0.8',
    r.writeVsSink >= 0.8,
  );
  fig(
    '(e) same raw write: ratio to the same client sending to a bare node:http server that stores the bodies (O_DIRECT into one file in the data dir as they arrive, 1 MiB pieces, at most 16 MiB queued)',
    `${round(r.writeRaw / r.bareDiskSink, 2)} (${mbs(r.writeRaw)} of ${mbs(r.bareDiskSink)}; that server reached ${round(r.bareDiskSink / r.bareSink, 2)} of the discarding sink)`,
  );
  fig(
    '(e) CloudSigma drive read, GET /drives/UUID/read/OFFSET/4M: ratio to a bare node:http server sending the same bytes',
    `${round(r.readVsSender, 2)} (${mbs(r.read)} of ${mbs(r.bareSender)})`,
    '≥ 0.8',
    r.readVsSender >= 0.8,
  );
  fig(
    `(e) same write, gzip bodies (${round(r.gzipRatio, 1)}:1, uncompressed bytes): ratio to gunzip alone on the same bodies`,
    `${round(r.gzipVsInflate, 2)} (${mbs(r.writeGzip)} of ${mbs(r.inflateOnly)} inflate-only)`,
    'bound by inflate',
    r.gzipVsInflate >= 0.8,
  );
  fig('(e) same raw write over two keep-alive connections (two calls in flight)', mbs(r.writeRaw2));
  fig(
    `(e) dd bs=4M count=${r.sizeMiB / 4} in the same data dir: write ${r.ddWriteFlag} / read ${r.ddReadFlag}`,
    `${mbs(r.ddWrite)} / ${mbs(r.ddRead)}`,
  );
  notes.push({
    part: 'drives',
    text: `Drive figures: block-aligned transfers of 64 KiB or more bypass the page cache with O_DIRECT, like dd. Raw bodies are written in 1 MiB pieces while they arrive, gzip bodies once inflated whole (an invalid one writes nothing), and both are written behind: a call is answered once its bytes are queued, with at most 16 MiB per drive still on its way to disk (a failure is reported to the next call; reads, copies and close wait for it). A read that continues where the previous one ended has the next range read ahead while it is sent. Timing starts after 16 write+read calls on a throw-away drive and as many calls to each bare server and to inflate (JIT warm-up); chunks are read back and compared byte for byte. The client runs on the same 2 cores as the server, so the bare sink and sender are what one connection carries without any server work. Each compared pass is timed in ${r.slices} slices per side (each a contiguous ${r.sizeMiB / r.slices} MiB of the drive) taken in turn with its counterpart, the order mirrored every other round: raw write, sink, disk sink, disk sink, sink, raw write, ...; gzip write, inflate, inflate, gzip write, ...; read, sender, sender, read, ...; each side's rate is its bytes over its time. A write slice ends with a 4 KiB read of the drive, which waits for the write-behind queue (the disk sink: a GET answered once its pieces are on disk; the sink: a GET answered at once), and no read slice starts where the previous one ended, so none starts with a range read ahead during the other side's slice.`,
  });
}

/** (g) a signed-in user's drive reads while wrong passwords are flooded from one address and from many. */
async function authFloodFigures(): Promise<void> {
  const dir = tempDir('auth');
  const child = await serve(dir, 'auth');
  const r = await authFlood(child.baseUrl, dir, AUTH_SECONDS, log);
  await child.stop();
  const reads = (p: FloodPhase) =>
    `p50 ${round(p.p50, 1)} ms, p99 ${round(p.p99, 1)} ms, max ${Math.round(p.max)} ms (${p.reads} reads)`;
  const flood = (p: FloodPhase) =>
    p.flood
      ? `; flood ${Math.round(p.flood.perSecond)} req/s (${Object.entries(p.flood.statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}, p50 ${Math.round(p.flood.p50)} ms)`
      : '';
  const ok = (p: FloodPhase) => p.max < 500;
  figures.push({
    part: 'auth',
    name: '(g) 64 KiB CloudSigma drive reads of a signed-in user (one connection), alone',
    value: reads(r.alone),
    goal: '',
    ok: null,
  });
  figures.push({
    part: 'auth',
    name: "(g) same, while 32 connections send wrong passwords for that user's login from one other address",
    value: reads(r.oneAddress) + flood(r.oneAddress),
    goal: 'max < 500 ms',
    ok: ok(r.oneAddress),
  });
  figures.push({
    part: 'auth',
    name: '(g) same, while 32 connections send wrong passwords for unknown logins, each from a new address',
    value: reads(r.manyAddresses) + flood(r.manyAddresses),
    goal: 'max < 500 ms',
    ok: ok(r.manyAddresses),
  });
  notes.push({
    part: 'auth',
    text: "Sign-in flood: the flooder is a separate process on the same 2 cores; scrypt runs on NUBE_AUTH_HASH_THREADS threads (1 here), not on libuv's pool that serves the drive reads. The goal is on the longest read because a stall yields few samples. Before issue 9 item 4 (bench/auth-flood.ts against commit 8edadcf run from source), reads while one address flooded a known login: p50 2.8 ms, p99 38 ms, max 3685 ms, 171 reads in 4.4 s (every wrong password ran scrypt on libuv's 4 threads, in front of the reads), and unknown logins answered 401 in 1 ms without hashing (462 req/s: login enumeration). Now the login locks after 10 failures and the address after 30, answered 429 before any hashing; unknown logins cost one scrypt like known ones and wait in the hashing queue (32 places: 32 connections fit, more are refused with 429 at once).",
  });
}

/** (f) real QEMU guests: deploy to the ready line on the serial console, and host memory per idle guest. */
async function qemuPart(): Promise<void> {
  const missing = qemuMissing();
  if (missing) {
    notes.push({ part: 'qemu', text: `qemu figures (f) skipped: ${missing}.` });
    log(`qemu figures skipped: ${missing}`);
    return;
  }
  const dir = tempDir('qemu');
  qemuDirs.push(dir);
  const built = existsSync(join(QEMU_TEMPLATE_DIR, 'SHA256SUMS'));
  const env: Record<string, string> = { NUBE_DRIVER: 'qemu', NUBE_QEMU_TEMPLATE_DIR: QEMU_TEMPLATE_DIR };
  if (process.env.BENCH_QEMU_ACCEL) env.NUBE_QEMU_ACCEL = process.env.BENCH_QEMU_ACCEL;
  if (!built) log(`building the guest template into ${QEMU_TEMPLATE_DIR} (kept for later runs)`);
  const child = await serve(dir, 'qemu', env, 400_000);
  const r = await qemuFigures(child.baseUrl, dir, QEMU_VMS, QEMU_IDLE_S, log);
  await child.stop();
  killQemus(dir);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mib = (k: number) => String(Math.round(k / 1024));
  const spread = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
  const how = `${r.accel}, QEMU ${r.qemuVersion}, ${r.offering} offering ${r.memoryMb} MB, ${plural(r.readyMs.length, 'VM')} deployed one after the other`;
  figures.push({
    part: 'qemu',
    name: `(f) CloudStack deployVirtualMachine → \`NUBE-GUEST-READY <hostname>\` on the serial console (${how}; median)`,
    value: `${s(median(r.readyMs))} s (${spread(r.readyMs, s)} s)`,
    goal: '',
    ok: null,
  });
  figures.push({
    part: 'qemu',
    name: "(f') same deploys: async job done (VM Running, QEMU launched) (median)",
    value: `${s(median(r.jobMs))} s (${spread(r.jobMs, s)} s)`,
    goal: '',
    ok: null,
  });
  figures.push({
    part: 'qemu',
    name: `(f) host memory per idle VM: VmRSS of qemu-system-x86_64, mean of ${plural(r.rssKiB.length, 'guest')} ${r.idleSeconds} s after the last ready line (${r.accel})`,
    value: `${mib(mean(r.rssKiB))} MiB (${spread(r.rssKiB, mib)} MiB)`,
    goal: '',
    ok: null,
  });
  figures.push({
    part: 'qemu',
    name: "(f') same processes, Pss (smaps_rollup: shared pages split between them)",
    value: `${mib(mean(r.pssKiB))} MiB (${spread(r.pssKiB, mib)} MiB)`,
    goal: '',
    ok: null,
  });
  notes.push({
    part: 'qemu',
    text: `qemu figures: ${r.accel}${r.accel === 'TCG' ? ` (software emulation; ${env.NUBE_QEMU_ACCEL ? `BENCH_QEMU_ACCEL=${env.NUBE_QEMU_ACCEL}` : 'the KVM probe of NUBE_QEMU_ACCEL=auto failed on this machine'})` : ''}; guest template ${built ? 'reused from' : 'built into'} ${QEMU_TEMPLATE_DIR}; the VMs were destroyed and expunged through the API afterwards.`,
  });
}

function machine(): string {
  const c = cpus();
  return (
    `${c.length} cores (${c[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ` +
    `${process.platform}/${process.arch}, SQLite store, server from ${ENTRY === 'built' ? 'dist/ (npm run build)' : 'src/ via tsx'}; ` +
    `load average at start ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`
  );
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const mach = machine();
  if (PROFILE) {
    rmSync(PROFILE_ROOT, { recursive: true, force: true });
    mkdirSync(PROFILE_ROOT, { recursive: true });
    notes.push({
      part: null,
      text: 'Profiled run (BENCH_PROFILE=1): the servers ran with --cpu-prof, which slows them a little.',
    });
  }
  log(mach);
  if (ONLY.length) log(`BENCH_ONLY=${ONLY.join(',')}: the other rows of BENCHMARKS.md are kept as they are`);
  if (selected('ready') || selected('list') || selected('scale')) {
    const { dir, first } = await readyTimes();
    if (selected('ready')) {
      figures.push({
        part: 'ready',
        name: '(d) process start to `Ready.`, first start (migrations, catalog, admin account)',
        value: `${Math.round(first)} ms`,
        goal: '< 1000 ms',
        ok: first < 1000,
      });
      const restarts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await serve(dir, 'ready');
        restarts.push(c.readyMs);
        await c.stop();
      }
      figures.push({
        part: 'ready',
        name: '(d) process start to `Ready.`, restart of an empty install (median of 3)',
        value: `${Math.round(median(restarts))} ms`,
        goal: '< 1000 ms',
        ok: median(restarts) < 1000,
      });
    }
    if (selected('list')) await listFigures(dir);
    if (selected('scale'))
      figures.push(
        ...(await scaleFigures(dir, selected('list') ? 10_000 : 0, {
          vms: Number(process.env.BENCH_SCALE_VMS ?? 100_000),
          restarts: Number(process.env.BENCH_RESTARTS ?? 5),
          serve: (d, phase, env) => serve(d, phase, env),
          loader: (args) => loader(args),
          log,
        })),
      );
  }
  for (const part of ['deploy', 'deploy-pg'] as const)
    if (selected(part)) {
      const r = await deployFigures(part === 'deploy' ? 'sqlite' : 'postgres', {
        deploys: DEPLOYS,
        warmup: DEPLOY_WARMUP,
        probeRate: Number(process.env.BENCH_PROBE_RATE ?? 20),
        pgUrl: process.env.BENCH_PG_URL,
        tempDir,
        serve,
        loader,
        log,
      });
      figures.push(...r.figures);
      notes.push(...r.notes);
    }
  if (selected('state'))
    figures.push(...(await stateFigures({ vms: Number(process.env.BENCH_STATE_VMS ?? 10_000), tempDir, log })));
  if (selected('drives')) await driveFigures();
  if (selected('qemu')) await qemuPart();
  if (selected('auth')) await authFloodFigures();
  process.stdout.write(
    `\nNube benchmarks — ${date}\n${mach}\nload average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n\n${table(figures.map(row))}\n`,
  );
  for (const n of notes) process.stdout.write(`- ${n.text}\n`);
  if (QUICK_LIST || LIST_FILTER.length > 0 || process.env.BENCH_NO_WRITE === '1') log('BENCHMARKS.md is left as it is');
  else writeMarkdown(join(REPO_ROOT, 'BENCHMARKS.md'), { date, mach, figures, notes, only: ONLY });
  if (PROFILE) {
    for (const phase of [
      'list-10k',
      'list-100k',
      'restart-100k',
      'deploy',
      'deploy-pg',
      'drives',
      'qemu',
      'auth',
      'ready',
    ]) {
      const d = join(PROFILE_ROOT, phase);
      if (!existsSync(d)) continue;
      const s = summariseProfiles(d, 15);
      process.stdout.write(`\nprofile ${phase} (busy ${s.totalMs} ms): by module\n`);
      for (const r of s.modules) process.stdout.write(`  ${String(r.pct).padStart(5)}%  ${r.name}\n`);
      process.stdout.write('  by function (self time)\n');
      for (const r of s.functions) process.stdout.write(`  ${String(r.pct).padStart(5)}%  ${r.name}\n`);
      process.stdout.write('  Nube functions (inclusive time)\n');
      for (const r of s.inclusive) process.stdout.write(`  ${String(r.pct).padStart(5)}%  ${r.name}\n`);
    }
  }
}

try {
  await main();
} finally {
  for (const c of children) await c.kill9();
  for (const d of qemuDirs) if (killQemus(d)) log(`killed QEMU processes left under ${d}`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
