/**
 * Another user's CloudSigma drive reads while sign-ins are flooded (issue 9 item 4). One client reads 64 KiB at random
 * offsets of a 64 MiB drive over one keep-alive connection from 127.0.0.2 (signed in once, so its login is cached),
 * first alone, then while a separate process floods wrong passwords over 32 connections: once from one address against
 * the reader's own login (what the throttle locks out), once from a new 127.x.y.z address per request with unknown
 * logins (what only the hashing threads' bounded queue holds back). Run as a script with `flood ...` it is that flooder.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { parseRecord } from '../src/lib/sigma-text.js';

const READ = 64 * 1024;
const DRIVE_MIB = 64;
const CONCURRENCY = 32;
const READER = '127.0.0.2';

/** Read latencies (ms) of one phase and, during a flood, what the flood got. */
export interface FloodPhase {
  reads: number;
  p50: number;
  p99: number;
  max: number;
  flood?: FloodResult;
}
/** What a flooder sent and got back. */
export interface FloodResult {
  sent: number;
  perSecond: number;
  statuses: Record<string, number>;
  p50: number;
}
/** The three phases. */
export interface AuthFlood {
  alone: FloodPhase;
  oneAddress: FloodPhase;
  manyAddresses: FloodPhase;
}

const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the three phases against a `nube serve` at baseUrl whose data dir holds credentials.json. */
export async function authFlood(
  baseUrl: string,
  dataDir: string,
  seconds: number,
  log: (m: string) => void,
): Promise<AuthFlood> {
  const creds = (
    JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as {
      cloudsigma: { user: string; password: string };
    }
  ).cloudsigma;
  const auth = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
  const pool = new Pool(baseUrl, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000, localAddress: READER });
  const call = async (method: 'GET' | 'POST', path: string, body?: Buffer | string): Promise<Buffer> => {
    const res = await pool.request({
      method,
      path,
      body,
      headers: { authorization: auth, 'content-type': 'text/plain' },
    });
    const buf = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode >= 300)
      throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${buf.toString('utf8').slice(0, 300)}`);
    return buf;
  };
  try {
    const drive = parseRecord(
      (await call('POST', '/drives/create', `name flood-bench\nsize ${DRIVE_MIB}M\n`)).toString('utf8'),
    ).drive;
    if (!drive) throw new Error('drive create answered no drive uuid');
    for (let off = 0; off < DRIVE_MIB * 1024 * 1024; off += 4 * 1024 * 1024)
      await call('POST', `/drives/${drive}/write/${off}`, randomBytes(4 * 1024 * 1024));
    const readFor = async (ms: number): Promise<number[]> => {
      const lat: number[] = [];
      const end = performance.now() + ms;
      while (performance.now() < end) {
        const off = Math.floor(Math.random() * ((DRIVE_MIB * 1024 * 1024) / READ)) * READ;
        const t0 = performance.now();
        await call('GET', `/drives/${drive}/read/${off}/${READ}`);
        lat.push(performance.now() - t0);
      }
      return lat;
    };
    const phase = (lat: number[], flood?: FloodResult): FloodPhase => ({
      reads: lat.length,
      p50: pct(lat, 0.5),
      p99: pct(lat, 0.99),
      max: pct(lat, 1),
      flood,
    });
    await readFor(1000);
    log(`auth flood: reads alone for ${seconds} s`);
    const alone = phase(await readFor(seconds * 1000));
    const port = new URL(baseUrl).port;
    const during = async (mode: 'one' | 'many') => {
      log(
        `auth flood: reads while flooding from ${mode === 'one' ? 'one address' : 'many addresses'} for ${seconds} s`,
      );
      const flooder = runFlooder([port, mode, String(seconds), creds.user]);
      await sleep(300);
      const lat = await readFor(seconds * 1000 - 600);
      return phase(lat, await flooder);
    };
    const oneAddress = await during('one');
    await sleep(1000);
    const manyAddresses = await during('many');
    return { alone, oneAddress, manyAddresses };
  } finally {
    await pool.destroy();
  }
}

function runFlooder(args: string[]): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'flood', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as FloodResult)
        : reject(new Error(`flooder exited ${code}`)),
    );
  });
}

/** One wrong-password request on a new connection from `from`; its status (0 on a network error). */
function guess(port: number, from: string, login: string): Promise<number> {
  const authorization = `Basic ${Buffer.from(`${login}:${randomBytes(9).toString('base64')}`).toString('base64')}`;
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/profile/info', headers: { authorization }, localAddress: from, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** The flooder: CONCURRENCY loops of wrong passwords for `seconds`; prints a FloodResult line. */
async function flood(port: number, mode: 'one' | 'many', seconds: number, login: string): Promise<void> {
  const statuses: Record<string, number> = {};
  const lat: number[] = [];
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const i = n++;
      const from = mode === 'one' ? '127.0.0.1' : `127.${10 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255 || 1}`;
      const t0 = performance.now();
      const s = await guess(port, from, mode === 'one' ? login : `${randomBytes(6).toString('hex')}@nube.local`);
      lat.push(performance.now() - t0);
      statuses[s] = (statuses[s] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const result: FloodResult = { sent: n, perSecond: n / seconds, statuses, p50: pct(lat, 0.5) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[2] === 'flood') {
  const [port, mode, seconds, login] = process.argv.slice(3);
  await flood(Number(port), mode === 'one' ? 'one' : 'many', Number(seconds), login!);
}
