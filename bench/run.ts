/** `npm run bench`: list throughput vs bare Fastify, deploys/s, list latency at 100k VMs, time to Ready and CloudSigma drive throughput vs dd, in one run; writes BENCHMARKS.md. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../src/store/db.js';
import { REPO_ROOT, freePort, readCredentials, startServe, type ServeChild } from '../test/proof/child.js';
import { HttpCs, signedQuery } from '../test/proof/http-cs.js';
import { driveThroughput } from './drives.js';
import { populateVms } from './populate.js';
import { summariseProfiles } from './profile.js';
import type { DeployResult, GetResult } from './load.js';

const ENTRY = process.env.BENCH_ENTRY === 'source' ? 'source' : 'built';
const PROFILE = process.env.BENCH_PROFILE === '1';
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 5000);
const LIST_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DRIVE_MIB = Number(process.env.BENCH_DRIVE_MIB ?? 512);
const PROFILE_ROOT = join(REPO_ROOT, 'bench', 'profiles');

/** One figure of the table. */
interface Figure { name: string; value: string; goal: string; ok: boolean | null }

const figures: Figure[] = [];
const notes: string[] = [];
const children: ServeChild[] = [];
const dirs: string[] = [];

function log(msg: string): void { process.stderr.write(`[bench] ${msg}\n`); }
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Runs a command to completion and returns its stdout. */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** The load generator process (bench/load.ts). */
async function loader<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const out = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'load.ts'), ...args], env);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** autocannon in its own process: requests/s and latency percentiles (ms). */
async function autocannon(url: string, seconds: number): Promise<{ rps: number; p50: number; p99: number; non2xx: number; errors: number }> {
  const bin = join(REPO_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
  await run(process.execPath, [bin, '-c', String(CONNECTIONS), '-d', '2', '-j', url]);
  const r = JSON.parse(await run(process.execPath, [bin, '-c', String(CONNECTIONS), '-d', String(seconds), '-j', url])) as {
    requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number; duration: number;
  };
  return { rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

async function serve(dataDir: string, phase: string, env: Record<string, string> = {}): Promise<ServeChild> {
  const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_ROOT, phase)}`] : [];
  const child = await startServe({ NUBE_DATA_DIR: dataDir, NUBE_LOG_LEVEL: 'warn', ...env }, { entry: ENTRY, nodeArgs, timeoutMs: 60_000 });
  children.push(child);
  return child;
}

/** Starts bench/hello.ts (hello-world, or a fixed JSON file) and measures it with autocannon like Nube. */
async function bareFastify(bodyFile: string | null): Promise<{ rps: number; p50: number; p99: number }> {
  const port = await freePort();
  const args = ['--import', 'tsx', join(REPO_ROOT, 'bench', 'hello.ts'), String(port), ...(bodyFile ? [bodyFile] : [])];
  const hello = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      hello.once('exit', (code) => reject(new Error(`bench/hello.ts exited ${code}`)));
      hello.stdout.on('data', (b: Buffer) => { if (b.toString().includes('Ready.')) resolve(); });
    });
    log(`autocannon: bare Fastify${bodyFile ? ' (fixed list answer)' : ''}`);
    return await autocannon(`http://127.0.0.1:${port}/`, LIST_SECONDS);
  } finally {
    hello.removeAllListeners('exit');
    hello.kill('SIGKILL');
  }
}

function tempDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `nube-bench-${name}-`));
  dirs.push(d);
  return d;
}

function openSqlite(dataDir: string): Store { return openStore({ sqlitePath: join(dataDir, 'nube.db') }); }

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; }

/** (d) time to Ready on a fresh data dir, and the dir left behind with its admin account. */
async function readyTimes(): Promise<{ dir: string; first: number }> {
  const dir = tempDir('list');
  const child = await serve(dir, 'ready');
  const first = child.readyMs;
  await child.stop();
  log(`first start Ready. after ${Math.round(first)} ms`);
  return { dir, first };
}

/** (b) deploys reaching Running per second through the HTTP API, sim driver with zero delay. */
async function deployRate(): Promise<void> {
  const dir = tempDir('deploy');
  const child = await serve(dir, 'deploy', { NUBE_SIM_DELAY_MS: '0' });
  const creds = readCredentials(dir);
  const cs = new HttpCs(child.baseUrl, creds.key, creds.secret, 2);
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  await cs.close();
  const params = { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id };
  log(`sending ${DEPLOYS} deploys`);
  const r = await loader<DeployResult>(['deploy', child.baseUrl, String(DEPLOYS), '64', JSON.stringify(params)], { BENCH_KEY: creds.key, BENCH_SECRET: creds.secret });
  const store = openSqlite(dir);
  const deadline = Date.now() + 300_000;
  let running = 0;
  while (Date.now() < deadline) {
    running = Number((await store.db.selectFrom('vms').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'running').executeTakeFirstOrThrow()).n);
    if (running >= r.accepted) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const span = await store.db.selectFrom('vms').select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.max('updated_at').as('last')])
    .where('state', '=', 'running').executeTakeFirstOrThrow();
  await store.close();
  await child.stop();
  const seconds = (Date.parse(String(span.last)) - Date.parse(String(span.first))) / 1000;
  const rate = running / seconds;
  log(`deploys: ${r.accepted} accepted in ${round(r.seconds)} s, ${running} Running after ${round(seconds, 2)} s`);
  if (r.refused || r.errors) notes.push(`Deploy run: ${r.refused} refused, ${r.errors} transport errors (first refusal: ${r.firstRefusal ?? '-'}).`);
  figures.push({ name: `(b) deploys reaching Running per second (${running} VMs, 64 concurrent HTTP clients, sim delay 0)`, value: `${Math.round(rate)}/s`, goal: '≥ 2000/s', ok: rate >= 2000 });
  figures.push({ name: '(b\') deploy calls answered per second (HTTP accept rate)', value: `${Math.round(r.accepted / r.seconds)}/s`, goal: '', ok: null });
}

/** (a) list throughput vs bare Fastify and (c) list latency at 100k VMs, plus restart times (d'). */
async function listFigures(dir: string): Promise<void> {
  const creds = readCredentials(dir);
  const listPath = (page: number) => `/compute?${signedQuery(creds.key, creds.secret, 'listVirtualMachines', { page, pagesize: 20 })}`;
  let store = openSqlite(dir);
  log('inserting 10,000 VMs');
  let t0 = performance.now();
  await populateVms(store, dir, 'admin', 10_000);
  log(`inserted in ${Math.round(performance.now() - t0)} ms`);
  await store.close();

  let child = await serve(dir, 'list-10k');
  const restart10k = child.readyMs;
  const check = new HttpCs(child.baseUrl, creds.key, creds.secret, 1);
  const first = await check.ok('listVirtualMachines', { page: 1, pagesize: 20 });
  const listBody = (await check.call('listVirtualMachines', { page: 1, pagesize: 20 })).raw;
  await check.close();
  if (first.count !== 10_000 || first.virtualmachine.length !== 20) throw new Error(`list answered count ${first.count} with ${first.virtualmachine?.length} items`);
  log('autocannon: listVirtualMachines');
  const nube = await autocannon(`${child.baseUrl}${listPath(1)}`, LIST_SECONDS);
  await child.stop();

  const base = await bareFastify(null);
  const bodyFile = join(tempDir('body'), 'list.json');
  writeFileSync(bodyFile, listBody);
  const ceiling = await bareFastify(bodyFile);
  const ratio = nube.rps / base.rps;
  if (nube.non2xx || nube.errors) notes.push(`List run: ${nube.non2xx} non-2xx answers, ${nube.errors} errors.`);
  figures.push({ name: `(a) signed listVirtualMachines, page of 20 of 10,000 VMs (${CONNECTIONS} connections)`, value: `${Math.round(nube.rps)} req/s`, goal: '', ok: null });
  figures.push({ name: '(a) bare Fastify hello-world, same load generator', value: `${Math.round(base.rps)} req/s`, goal: '', ok: null });
  figures.push({ name: `(a') bare Fastify sending the same list answer (${Math.round(listBody.length / 1024)} KB) from memory: the ceiling`, value: `${Math.round(ceiling.rps)} req/s (ratio ${round(ceiling.rps / base.rps, 2)})`, goal: '', ok: null });
  figures.push({ name: '(a) ratio Nube list / bare Fastify', value: `${round(ratio, 2)}`, goal: '≥ 0.4', ok: ratio >= 0.4 });
  figures.push({ name: '(a) list p99 latency under that load', value: `${nube.p99} ms (p50 ${nube.p50} ms)`, goal: '< 20 ms', ok: nube.p99 < 20 });

  store = openSqlite(dir);
  log('inserting 90,000 more VMs');
  t0 = performance.now();
  await populateVms(store, dir, 'admin', 90_000);
  log(`inserted in ${Math.round(performance.now() - t0)} ms`);
  await store.close();
  child = await serve(dir, 'list-100k');
  const restart100k = child.readyMs;
  const first100 = await loader<GetResult>(['get', child.baseUrl, listPath(1), '1', '1000', '5000']);
  const deep = await loader<GetResult>(['get', child.baseUrl, listPath(2500), '1', '1000', '5000']);
  await child.stop();
  figures.push({ name: '(c) list p50 latency, first page of 20, 100,000 VMs (one client)', value: `${round(first100.p50, 2)} ms (p99 ${round(first100.p99, 1)} ms)`, goal: '< 10 ms', ok: first100.p50 < 10 });
  figures.push({ name: '(c\') same, page 2,500 (offset 49,980)', value: `${round(deep.p50, 2)} ms (p99 ${round(deep.p99, 1)} ms)`, goal: '', ok: null });
  figures.push({ name: '(d\') restart to `Ready.` with 10,000 / 100,000 VMs', value: `${Math.round(restart10k)} / ${Math.round(restart100k)} ms`, goal: '< 1000 ms', ok: Math.max(restart10k, restart100k) < 1000 });
}

/** (e) CloudSigma drive write (raw, gzip) and read throughput in 4 MiB API calls, as ratios to dd in the same data dir. */
async function driveFigures(): Promise<void> {
  const dir = tempDir('drives');
  const child = await serve(dir, 'drives');
  const r = await driveThroughput(child.baseUrl, dir, DRIVE_MIB, log);
  await child.stop();
  const mbs = (n: number) => `${Math.round(n)} MB/s`;
  const size = `${r.sizeMiB} MiB drive, sequential 4 MiB calls on one keep-alive connection`;
  figures.push({ name: `(e) CloudSigma drive write, raw octet-stream (${size})`, value: `${mbs(r.writeRaw)} (ratio to dd ${round(r.writeRaw / r.ddWrite, 2)})`, goal: '≥ 0.6 of dd', ok: r.writeRaw / r.ddWrite >= 0.6 });
  figures.push({ name: `(e) same, gzip bodies (Content-Encoding: gzip, same data, ${round(r.gzipRatio, 1)}:1), uncompressed bytes`, value: `${mbs(r.writeGzip)} (ratio to dd ${round(r.writeGzip / r.ddWrite, 2)})`, goal: '', ok: null });
  figures.push({ name: '(e) CloudSigma drive read, GET /drives/UUID/read/OFFSET/4M', value: `${mbs(r.read)} (ratio to dd ${round(r.read / r.ddRead, 2)})`, goal: '', ok: null });
  figures.push({ name: `(e) dd bs=4M count=${r.sizeMiB / 4} in the same data dir: write ${r.ddWriteFlag} / read ${r.ddReadFlag}`, value: `${mbs(r.ddWrite)} / ${mbs(r.ddRead)}`, goal: '', ok: null });
  notes.push('Drive figures: the API writes go through the page cache (no fsync per call) while dd uses O_DIRECT where the filesystem allows it; a few chunks are read back and compared byte for byte after each write pass.');
}

function table(): string {
  const rows = figures.map((f) => `| ${f.name} | ${f.value} | ${f.goal} | ${f.ok === null ? '' : f.ok ? 'met' : '**missed**'} |`);
  return ['| figure | value | goal | |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function machine(): string {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ` +
    `${process.platform}/${process.arch}, SQLite store, server from ${ENTRY === 'built' ? 'dist/ (npm run build)' : 'src/ via tsx'}; ` +
    `load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

function writeMarkdown(date: string, mach: string): void {
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  const section = ['<!-- bench:start -->', `Run of ${date} on ${mach}.`, '', table(), '', ...notes.map((n) => `- ${n}`), '<!-- bench:end -->'].join('\n');
  const head = '# Benchmarks\n\nFigures written by `npm run bench` (bench/run.ts); the text outside the markers is kept between runs.\n\n';
  const old = existsSync(file) ? readFileSync(file, 'utf8') : `${head}<!-- bench:start -->\n<!-- bench:end -->\n`;
  const next = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/.test(old)
    ? old.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, section)
    : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const mach = machine();
  if (PROFILE) {
    rmSync(PROFILE_ROOT, { recursive: true, force: true });
    mkdirSync(PROFILE_ROOT, { recursive: true });
    notes.push('Profiled run (BENCH_PROFILE=1): the servers ran with --cpu-prof, which slows them a little.');
  }
  log(mach);
  const { dir, first } = await readyTimes();
  figures.push({ name: '(d) process start to `Ready.`, first start (migrations, catalog, admin account)', value: `${Math.round(first)} ms`, goal: '< 1000 ms', ok: first < 1000 });
  const restarts: number[] = [];
  for (let i = 0; i < 3; i++) { const c = await serve(dir, 'ready'); restarts.push(c.readyMs); await c.stop(); }
  figures.push({ name: '(d) process start to `Ready.`, restart of an empty install (median of 3)', value: `${Math.round(median(restarts))} ms`, goal: '< 1000 ms', ok: median(restarts) < 1000 });
  await listFigures(dir);
  await deployRate();
  await driveFigures();
  process.stdout.write(`\nNube benchmarks — ${date}\n${mach}\n\n${table()}\n`);
  for (const n of notes) process.stdout.write(`- ${n}\n`);
  writeMarkdown(date, mach);
  if (PROFILE) {
    for (const phase of ['list-10k', 'list-100k', 'deploy', 'drives', 'ready']) {
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
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
