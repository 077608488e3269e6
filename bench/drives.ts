/** CloudSigma drive throughput (issue 4): 4 MiB API writes (raw, gzip) and reads against a real `nube serve`, as ratios to `dd` on the same disk. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { parseRecord } from '../src/dialects/cloudsigma/text-codec.js';

const CHUNK = 4 * 1024 * 1024;
const PATTERNS = 16;

/** The measured rates in MB/s (10^6 bytes per second) and what the dd runs could do. */
export interface DriveThroughput {
  sizeMiB: number; writeRaw: number; writeGzip: number; read: number; gzipRatio: number;
  ddWrite: number; ddRead: number; ddWriteFlag: string; ddReadFlag: string;
}

/** Compressible-but-not-trivial 4 MiB chunks: text lines stamped with their position, mixed with random runs. */
function patterns(): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < PATTERNS; p++) {
    const parts: Buffer[] = [];
    let len = 0;
    for (let block = 0; len < CHUNK; block++) {
      const lines: string[] = [];
      for (let l = 0; l < 400; l++) lines.push(`pattern ${p} block ${block} line ${l}: drive benchmark text, compresses well but not to nothing\n`);
      const text = Buffer.from(lines.join(''));
      const rnd = randomBytes(8192 + ((block * 7919) % 8192));
      parts.push(text, rnd);
      len += text.length + rnd.length;
    }
    out.push(Buffer.concat(parts).subarray(0, CHUNK));
  }
  return out;
}

/** Runs dd and returns bytes/second from its summary line (dd prints it on stderr). */
function dd(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('dd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => {
      const m = /^(\d+) bytes .* copied, ([\d.,]+) s/m.exec(err);
      if (code !== 0 || !m) { reject(new Error(`dd ${args.join(' ')} exited ${code}: ${err.trim()}`)); return; }
      resolve(Number(m[1]) / Number(m[2]!.replace(',', '.')));
    });
  });
}

/** dd write then read of `count` 4 MiB blocks in dir, with O_DIRECT where the filesystem allows it. */
async function ddRates(dir: string, count: number): Promise<{ write: number; read: number; writeFlag: string; readFlag: string }> {
  const file = join(dir, 'dd-bench.img');
  try {
    let writeFlag = 'oflag=direct';
    let write: number;
    try { write = await dd(['if=/dev/zero', `of=${file}`, 'bs=4M', `count=${count}`, writeFlag]); } catch {
      writeFlag = 'conv=fsync';
      write = await dd(['if=/dev/zero', `of=${file}`, 'bs=4M', `count=${count}`, writeFlag]);
    }
    let readFlag = 'iflag=direct';
    let read: number;
    try { read = await dd([`if=${file}`, 'of=/dev/null', 'bs=4M', readFlag]); } catch {
      readFlag = '(page cache)';
      read = await dd([`if=${file}`, 'of=/dev/null', 'bs=4M']);
    }
    return { write, read, writeFlag, readFlag };
  } finally { rmSync(file, { force: true }); }
}

/** Creates a drive of sizeMiB through the API, writes it raw then gzip and reads it back in sequential 4 MiB calls; dd in the same data dir. */
export async function driveThroughput(baseUrl: string, dataDir: string, sizeMiB: number, log: (m: string) => void): Promise<DriveThroughput> {
  const creds = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { cloudsigma: { user: string; password: string } }).cloudsigma;
  const auth = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
  const pool = new Pool(baseUrl, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  const call = async (method: 'GET' | 'POST', path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Buffer> => {
    const res = await pool.request({ method, path, body, headers: { authorization: auth, 'content-type': 'text/plain', ...headers } });
    const buf = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${buf.toString('utf8').slice(0, 300)}`);
    return buf;
  };
  try {
    const data = patterns();
    const gz = data.map((b) => gzipSync(b, { level: 6 }));
    const gzipRatio = data.reduce((s, b) => s + b.length, 0) / gz.reduce((s, b) => s + b.length, 0);
    const drive = parseRecord((await call('POST', '/drives/create', `name bench\nsize ${sizeMiB}M\nclaim:type exclusive\n`)).toString('utf8')).drive;
    if (!drive) throw new Error('drive create answered no drive uuid');
    const chunks = (sizeMiB * 1024 * 1024) / CHUNK;
    const bytes = chunks * CHUNK;
    const timed = async (what: string, f: (i: number) => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < chunks; i++) await f(i);
      const rate = bytes / ((performance.now() - t0) / 1000) / 1e6;
      log(`drive ${what}: ${sizeMiB} MiB at ${Math.round(rate)} MB/s`);
      return rate;
    };
    const octet = { 'content-type': 'application/octet-stream' };
    const checked = [...new Set([0, 1, Math.floor(chunks / 2), chunks - 1])];
    const verify = async () => {
      for (const i of checked) {
        const back = await call('GET', `/drives/${drive}/read/${i * CHUNK}/4M`);
        if (!back.equals(data[i % PATTERNS]!)) throw new Error(`drive chunk ${i} read back differs from what was written`);
      }
    };
    const writeRaw = await timed('write raw', (i) => call('POST', `/drives/${drive}/write/${i * CHUNK}`, data[i % PATTERNS], octet));
    await verify();
    for (const i of checked) await call('POST', `/drives/${drive}/write/${i * CHUNK}`, Buffer.alloc(CHUNK), octet);
    const writeGzip = await timed('write gzip', (i) => call('POST', `/drives/${drive}/write/${i * CHUNK}`, gz[i % PATTERNS], { ...octet, 'content-encoding': 'gzip' }));
    await verify();
    let readBytes = 0;
    const read = await timed('read', async (i) => { readBytes += (await call('GET', `/drives/${drive}/read/${i * CHUNK}/4M`)).length; });
    if (readBytes !== bytes) throw new Error(`drive read returned ${readBytes} bytes, expected ${bytes}`);
    await call('POST', `/drives/${drive}/destroy`, '');
    const d = await ddRates(dataDir, chunks);
    log(`dd: write ${Math.round(d.write / 1e6)} MB/s (${d.writeFlag}), read ${Math.round(d.read / 1e6)} MB/s (${d.readFlag})`);
    return { sizeMiB, writeRaw, writeGzip, read, gzipRatio, ddWrite: d.write / 1e6, ddRead: d.read / 1e6, ddWriteFlag: d.writeFlag, ddReadFlag: d.readFlag };
  } finally { await pool.close(); }
}
