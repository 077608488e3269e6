/** CloudSigma drive throughput (issues 4 and 13): 4 MiB API writes (raw, gzip) and reads against a real `nube serve`, as ratios to bare node:http servers, to inflate alone and to `dd` on the same disk. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gunzipStaged } from '../src/lib/gunzip-staged.js';
import { Pool } from 'undici';
import { parseRecord } from '../src/lib/sigma-text.js';

const CHUNK = 4 * 1024 * 1024;
const PATTERNS = 16;
/** 4 MiB writes and reads on a throw-away drive before timing, so the server's JIT is warm. */
const WARM_UP_CALLS = 16;

/** The measured rates in MB/s (10^6 bytes per second) and what the dd runs could do. */
export interface DriveThroughput {
  sizeMiB: number;
  writeRaw: number;
  writeRaw2: number;
  writeGzip: number;
  read: number;
  gzipRatio: number;
  /** The same client and bodies against a bare node:http server that discards them: what one connection can carry at all. */
  bareSink: number;
  /** The same client and bodies against a bare node:http server that writes them to the same disk with O_DIRECT as they arrive (DISK_SINK): what one connection carries when the bytes are stored. */
  bareDiskSink: number;
  /** The same client fetching the same 4 MiB bodies from a bare node:http server that sends them from memory. */
  bareSender: number;
  /** Decompressed MB/s of gunzip alone on the same gzip bodies, one after another as the server takes them: what gzip writes can reach at most. */
  inflateOnly: number;
  /** writeRaw / bareSink (issue 13 goal: at least 0.8). */
  writeVsSink: number;
  /** read / bareSender (issue 13 goal: at least 0.8). */
  readVsSender: number;
  /** writeGzip / inflateOnly (issue 13 goal: bound only by inflate). */
  gzipVsInflate: number;
  ddWrite: number;
  ddRead: number;
  ddWriteFlag: string;
  ddReadFlag: string;
}

/** Compressible-but-not-trivial 4 MiB chunks: text lines stamped with their position, mixed with random runs. */
function patterns(): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < PATTERNS; p++) {
    const parts: Buffer[] = [];
    let len = 0;
    for (let block = 0; len < CHUNK; block++) {
      const lines: string[] = [];
      for (let l = 0; l < 400; l++)
        lines.push(`pattern ${p} block ${block} line ${l}: drive benchmark text, compresses well but not to nothing\n`);
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
    p.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      const m = /^(\d+) bytes .* copied, ([\d.,]+) s/m.exec(err);
      if (code !== 0 || !m) {
        reject(new Error(`dd ${args.join(' ')} exited ${code}: ${err.trim()}`));
        return;
      }
      resolve(Number(m[1]) / Number(m[2]!.replace(',', '.')));
    });
  });
}

/** dd write then read of `count` 4 MiB blocks in dir, with O_DIRECT where the filesystem allows it. */
async function ddRates(
  dir: string,
  count: number,
): Promise<{ write: number; read: number; writeFlag: string; readFlag: string }> {
  const file = join(dir, 'dd-bench.img');
  try {
    let writeFlag = 'oflag=direct';
    let write: number;
    try {
      write = await dd(['if=/dev/zero', `of=${file}`, 'bs=4M', `count=${count}`, writeFlag]);
    } catch {
      writeFlag = 'conv=fsync';
      write = await dd(['if=/dev/zero', `of=${file}`, 'bs=4M', `count=${count}`, writeFlag]);
    }
    let readFlag = 'iflag=direct';
    let read: number;
    try {
      read = await dd([`if=${file}`, 'of=/dev/null', 'bs=4M', readFlag]);
    } catch {
      readFlag = '(page cache)';
      read = await dd([`if=${file}`, 'of=/dev/null', 'bs=4M']);
    }
    return { write, read, writeFlag, readFlag };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Ports for the bare servers (0: any free port). */
export interface DriveBenchOptions {
  barePort?: number;
}

/** A bare node:http server in its own process that reads and discards bodies and answers 204. */
const SINK = `require('node:http').createServer((q, r) => { q.on('data', () => {}); q.on('end', () => { r.statusCode = 204; r.end(); }); })
  .listen(Number(process.argv[1]), '127.0.0.1', function () { console.log(this.address().port); });`;

/** Bytes of one piece a bare disk sink writes, and how many pieces may be on their way to the disk at once: as Nube does. */
const SINK_PIECE = 1024 * 1024;
const SINK_PIECES = 16;

/**
 * A bare node:http server in its own process that writes each body at the offset ending its URL into one file with
 * O_DIRECT, in 1 MiB page-aligned pieces while the body arrives, and answers once the last piece is queued (at most
 * 16 MiB on their way to the disk): the least work a server storing the bytes does, without Nube.
 */
const DISK_SINK = `const fs = require('node:fs'); const P = ${SINK_PIECE};
const page = () => Buffer.from(new WebAssembly.Memory({ initial: P / 65536, maximum: P / 65536 }).buffer);
const free = Array.from({ length: ${SINK_PIECES} }, page); const waiting = [];
const take = () => (free.length ? Promise.resolve(free.pop()) : new Promise((r) => waiting.push(r)));
const give = (b) => { const w = waiting.shift(); w ? w(b) : free.push(b); };
const fd = fs.openSync(process.argv[2], fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_DIRECT);
const put = (b, at) => fs.write(fd, b, 0, P, at, (err) => { if (err) throw err; give(b); });
require('node:http').createServer(async (q, r) => {
  let at = Number(q.url.split('/').pop()), buf = await take(), fill = 0;
  for await (const c of q) for (let i = 0; i < c.length; ) {
    const n = Math.min(P - fill, c.length - i); c.copy(buf, fill, i, i + n); fill += n; i += n;
    if (fill === P) { put(buf, at); at += P; fill = 0; buf = await take(); }
  }
  give(buf); r.statusCode = fill ? 400 : 204; r.end();
}).listen(Number(process.argv[1]), '127.0.0.1', function () { console.log(this.address().port); });`;

/** A bare node:http server in its own process that answers GET /N with the N-th 4 MiB chunk of the file it was given. */
const SENDER = `const data = require('node:fs').readFileSync(process.argv[2]); const n = data.length / ${CHUNK};
require('node:http').createServer((q, r) => { const i = Number(q.url.split('/').pop()) % n;
  r.setHeader('content-type', 'application/octet-stream'); r.end(data.subarray(i * ${CHUNK}, (i + 1) * ${CHUNK})); })
  .listen(Number(process.argv[1]), '127.0.0.1', function () { console.log(this.address().port); });`;

/** Runs a bare server script in its own process and gives a one-connection keep-alive pool to it to fn. */
async function withBare<T>(script: string, args: string[], fn: (pool: Pool) => Promise<T>): Promise<T> {
  const bare = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      bare.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
      bare.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    });
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
    try {
      return await fn(pool);
    } finally {
      await pool.close();
    }
  } finally {
    bare.removeAllListeners('exit');
    bare.kill('SIGKILL');
  }
}

/** Sends count 4 MiB bodies one after another on one keep-alive connection to a bare sink server (args after its port); MB/s. */
function bareSinkRate(script: string, args: string[], data: Buffer[], count: number, port: number): Promise<number> {
  return withBare(script, [String(port), ...args], async (pool) => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const res = await pool.request({
        method: 'POST',
        path: `/drives/x/write/${i * CHUNK}`,
        body: data[i % PATTERNS],
        headers: { 'content-type': 'application/octet-stream' },
      });
      await res.body.arrayBuffer();
      if (res.statusCode !== 204) throw new Error(`bare sink answered ${res.statusCode}`);
    }
    return (count * CHUNK) / ((performance.now() - t0) / 1000) / 1e6;
  });
}

/** Fetches count 4 MiB bodies (the same bytes as the drive holds) one after another on one keep-alive connection from a bare sender; MB/s. */
function bareSenderRate(data: Buffer[], count: number, port: number, dir: string): Promise<number> {
  const file = join(dir, 'bare-sender.bin');
  writeFileSync(file, Buffer.concat(data));
  return withBare(SENDER, [String(port), file], async (pool) => {
    let got = 0;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const res = await pool.request({ method: 'GET', path: `/drives/x/read/${i}` });
      got += Buffer.from(await res.body.arrayBuffer()).length;
    }
    const rate = (count * CHUNK) / ((performance.now() - t0) / 1000) / 1e6;
    if (got !== count * CHUNK) throw new Error(`bare sender returned ${got} bytes, expected ${count * CHUNK}`);
    return rate;
  }).finally(() => rmSync(file, { force: true }));
}

/** Decompressed MB/s of gunzip as the server runs it (zlib on libuv's pool, into a reused buffer) on count gzip bodies one after another. */
async function inflateRate(gz: Buffer[], count: number): Promise<number> {
  const t0 = performance.now();
  let out = 0;
  for (let i = 0; i < count; i++) {
    const inflated = await gunzipStaged(gz[i % PATTERNS]!, CHUNK);
    out += inflated.bytes.length;
    inflated.release();
  }
  return out / ((performance.now() - t0) / 1000) / 1e6;
}

/** After a warm-up on a throw-away drive, creates a drive of sizeMiB through the API, writes it raw then gzip and reads it back in sequential 4 MiB calls on one connection, then writes a second fresh drive raw over two connections; dd in the same data dir. */
export async function driveThroughput(
  baseUrl: string,
  dataDir: string,
  sizeMiB: number,
  log: (m: string) => void,
  opts: DriveBenchOptions = {},
): Promise<DriveThroughput> {
  const creds = (
    JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as {
      cloudsigma: { user: string; password: string };
    }
  ).cloudsigma;
  const auth = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
  const pool = new Pool(baseUrl, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  const pool2 = new Pool(baseUrl, { connections: 2, pipelining: 1, keepAliveTimeout: 60_000 });
  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
    via = pool,
  ): Promise<Buffer> => {
    const res = await via.request({
      method,
      path,
      body,
      headers: { authorization: auth, 'content-type': 'text/plain', ...headers },
    });
    const buf = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode >= 300)
      throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${buf.toString('utf8').slice(0, 300)}`);
    return buf;
  };
  try {
    const data = patterns();
    const gz = data.map((b) => gzipSync(b, { level: 6 }));
    const gzipRatio = data.reduce((s, b) => s + b.length, 0) / gz.reduce((s, b) => s + b.length, 0);
    const create = async (name: string) => {
      const uuid = parseRecord(
        (await call('POST', '/drives/create', `name ${name}\nsize ${sizeMiB}M\nclaim:type exclusive\n`)).toString(
          'utf8',
        ),
      ).drive;
      if (!uuid) throw new Error('drive create answered no drive uuid');
      return uuid;
    };
    const warm = await create('warm-up');
    for (let i = 0; i < Math.min(WARM_UP_CALLS, (sizeMiB * 1024 * 1024) / CHUNK); i++) {
      await call('POST', `/drives/${warm}/write/${i * CHUNK}`, data[i % PATTERNS], {
        'content-type': 'application/octet-stream',
      });
      await call('GET', `/drives/${warm}/read/${i * CHUNK}/4M`);
    }
    await call('POST', `/drives/${warm}/destroy`, '');
    const drive = await create('bench');
    const chunks = (sizeMiB * 1024 * 1024) / CHUNK;
    const bytes = chunks * CHUNK;
    const timed = async (what: string, f: (i: number) => Promise<unknown>, lanes = 1): Promise<number> => {
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < chunks) await f(next++);
        }),
      );
      const rate = bytes / ((performance.now() - t0) / 1000) / 1e6;
      log(`drive ${what}: ${sizeMiB} MiB at ${Math.round(rate)} MB/s`);
      return rate;
    };
    const octet = { 'content-type': 'application/octet-stream' };
    const checked = [...new Set([0, 1, Math.floor(chunks / 2), chunks - 1])];
    const verify = async (uuid = drive) => {
      for (const i of checked) {
        const back = await call('GET', `/drives/${uuid}/read/${i * CHUNK}/4M`);
        if (!back.equals(data[i % PATTERNS]!))
          throw new Error(`drive chunk ${i} read back differs from what was written`);
      }
    };
    const writeRaw = await timed('write raw', (i) =>
      call('POST', `/drives/${drive}/write/${i * CHUNK}`, data[i % PATTERNS], octet),
    );
    await verify();
    for (const i of checked) await call('POST', `/drives/${drive}/write/${i * CHUNK}`, Buffer.alloc(CHUNK), octet);
    const writeGzip = await timed('write gzip', (i) =>
      call('POST', `/drives/${drive}/write/${i * CHUNK}`, gz[i % PATTERNS], { ...octet, 'content-encoding': 'gzip' }),
    );
    await verify();
    let readBytes = 0;
    const read = await timed('read', async (i) => {
      readBytes += (await call('GET', `/drives/${drive}/read/${i * CHUNK}/4M`)).length;
    });
    if (readBytes !== bytes) throw new Error(`drive read returned ${readBytes} bytes, expected ${bytes}`);
    await call('POST', `/drives/${drive}/destroy`, '');
    const second = await create('bench-2');
    const writeRaw2 = await timed(
      'write raw, 2 connections',
      (i) => call('POST', `/drives/${second}/write/${i * CHUNK}`, data[i % PATTERNS], octet, pool2),
      2,
    );
    await verify(second);
    await call('POST', `/drives/${second}/destroy`, '');
    const port = opts.barePort ?? 0;
    const bareSink = await bareSinkRate(SINK, [], data, chunks, port);
    log(`bare node:http sink, same client and bodies: ${Math.round(bareSink)} MB/s`);
    const diskFile = join(dataDir, 'bare-disk-sink.bin');
    const bareDiskSink = await bareSinkRate(DISK_SINK, [diskFile], data, chunks, port);
    rmSync(diskFile, { force: true });
    log(`bare node:http server writing them O_DIRECT, same client and bodies: ${Math.round(bareDiskSink)} MB/s`);
    const bareSender = await bareSenderRate(data, chunks, port, dataDir);
    log(`bare node:http sender, same client and bytes: ${Math.round(bareSender)} MB/s`);
    const inflateOnly = await inflateRate(gz, chunks);
    log(`gunzip alone, same bodies: ${Math.round(inflateOnly)} MB/s`);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const [writeVsSink, readVsSender, gzipVsInflate] = [
      ratio(writeRaw, bareSink),
      ratio(read, bareSender),
      ratio(writeGzip, inflateOnly),
    ];
    log(`ratios: write/sink ${writeVsSink}, read/sender ${readVsSender}, gzip/inflate ${gzipVsInflate}`);
    const d = await ddRates(dataDir, chunks);
    log(
      `dd: write ${Math.round(d.write / 1e6)} MB/s (${d.writeFlag}), read ${Math.round(d.read / 1e6)} MB/s (${d.readFlag})`,
    );
    return {
      sizeMiB,
      writeRaw,
      writeRaw2,
      writeGzip,
      read,
      gzipRatio,
      bareSink,
      bareDiskSink,
      bareSender,
      inflateOnly,
      writeVsSink,
      readVsSender,
      gzipVsInflate,
      ddWrite: d.write / 1e6,
      ddRead: d.read / 1e6,
      ddWriteFlag: d.writeFlag,
      ddReadFlag: d.readFlag,
    };
  } finally {
    await pool.close();
    await pool2.close();
  }
}
