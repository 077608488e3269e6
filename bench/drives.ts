/** CloudSigma drive throughput (issues 4 and 13): 4 MiB API writes (raw, gzip) and reads against a real `nube serve`, as ratios to bare node:http servers, to inflate alone (each pair timed in alternating slices) and to `dd` on the same disk. */
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
/** 4 MiB writes and reads on a throw-away drive (and as many calls to each bare server and inflates) before timing, so the JIT is warm. */
const WARM_UP_CALLS = 16;
/** How many slices each compared side's pass is cut into (each a contiguous range of the drive's chunks), the sides' slices taken in turn. */
const SLICES = 4;
/** The order the read slices take the ranges in (evens, then odds: 0, 2, 1, 3), so no slice continues where the previous one ended and none starts with a range read ahead during the other side's slice. */
const READ_ORDER = [
  ...Array.from({ length: SLICES }, (_, k) => k).filter((k) => k % 2 === 0),
  ...Array.from({ length: SLICES }, (_, k) => k).filter((k) => k % 2 === 1),
];

/** The measured rates in MB/s (10^6 bytes per second) and what the dd runs could do. */
export interface DriveThroughput {
  sizeMiB: number;
  writeRaw: number;
  writeRaw2: number;
  writeGzip: number;
  read: number;
  gzipRatio: number;
  /** Slices per side each compared pair (write raw and the bare sinks, gzip and inflate, read and the sender) was timed in, taken in turn. */
  slices: number;
  /** The same client and bodies against a bare node:http server that discards them: what one connection can carry at all (slices taken in turn with writeRaw's). */
  bareSink: number;
  /** The same client and bodies against a bare node:http server that writes them to the same disk with O_DIRECT as they arrive (DISK_SINK): what one connection carries when the bytes are stored (slices taken in turn with writeRaw's). */
  bareDiskSink: number;
  /** The same client fetching the same 4 MiB bodies from a bare node:http server that sends them from memory (slices taken in turn with read's). */
  bareSender: number;
  /** Decompressed MB/s of gunzip alone on the same gzip bodies, one after another as the server takes them: what gzip writes can reach at most (slices taken in turn with writeGzip's). */
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

/** Ports for the bare servers: sink, disk sink and sender on barePort, barePort + 1 and barePort + 2 (0: any free ports). */
export interface DriveBenchOptions {
  barePort?: number;
}

/** A bare node:http server in its own process that reads and discards bodies and answers 204 (at once to a GET, which ends a slice as Nube's read does). */
const SINK = `require('node:http').createServer((q, r) => { q.on('data', () => {}); q.on('end', () => { r.statusCode = 204; r.end(); }); })
  .listen(Number(process.argv[1]), '127.0.0.1', function () { console.log(this.address().port); });`;

/** Bytes of one piece a bare disk sink writes, and how many pieces may be on their way to the disk at once: as Nube does. */
const SINK_PIECE = 1024 * 1024;
const SINK_PIECES = 16;

/**
 * A bare node:http server in its own process that writes each body at the offset ending its URL into one file with
 * O_DIRECT, in 1 MiB page-aligned pieces while the body arrives, and answers once the last piece is queued (at most
 * 16 MiB on their way to the disk): the least work a server storing the bytes does, without Nube. A GET is answered
 * once every piece is on disk, as Nube's reads wait for its write-behind queue.
 */
const DISK_SINK = `const fs = require('node:fs'); const P = ${SINK_PIECE}; const N = ${SINK_PIECES};
const page = () => Buffer.from(new WebAssembly.Memory({ initial: P / 65536, maximum: P / 65536 }).buffer);
const free = Array.from({ length: N }, page); const waiting = []; const drains = [];
const take = () => (free.length ? Promise.resolve(free.pop()) : new Promise((r) => waiting.push(r)));
const give = (b) => { const w = waiting.shift(); if (w) return w(b); free.push(b); if (free.length === N) for (const d of drains.splice(0)) d(); };
const fd = fs.openSync(process.argv[2], fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_DIRECT);
const put = (b, at) => fs.write(fd, b, 0, P, at, (err) => { if (err) throw err; give(b); });
require('node:http').createServer(async (q, r) => {
  if (q.method === 'GET') { q.resume(); if (free.length < N) await new Promise((d) => drains.push(d)); r.statusCode = 204; r.end(); return; }
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

/** A bare server running in its own process, with a one-connection keep-alive pool to it. */
interface Bare {
  pool: Pool;
  stop(): Promise<void>;
}

/** Starts a bare server script in its own process (args after its port) and opens a one-connection keep-alive pool to it. */
async function startBare(script: string, port: number, args: string[]): Promise<Bare> {
  const bare = spawn(process.execPath, ['-e', script, String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => {
    bare.removeAllListeners('exit');
    bare.kill('SIGKILL');
  };
  try {
    const listening = await new Promise<number>((resolve, reject) => {
      bare.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
      bare.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    });
    const pool = new Pool(`http://127.0.0.1:${listening}`, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
    return {
      pool,
      stop: async () => {
        try {
          await pool.close();
        } finally {
          kill();
        }
      },
    };
  } catch (err) {
    kill();
    throw err;
  }
}

/** Sends chunks [from, to) one after another to a bare sink, then a GET it answers once the bodies are stored (at once for SINK); bytes sent. */
async function bareWrites(bare: Bare, data: Buffer[], from: number, to: number): Promise<number> {
  for (let i = from; i < to; i++) {
    const res = await bare.pool.request({
      method: 'POST',
      path: `/drives/x/write/${i * CHUNK}`,
      body: data[i % PATTERNS],
      headers: { 'content-type': 'application/octet-stream' },
    });
    await res.body.arrayBuffer();
    if (res.statusCode !== 204) throw new Error(`bare sink answered ${res.statusCode}`);
  }
  const res = await bare.pool.request({ method: 'GET', path: '/drives/x/flush' });
  await res.body.arrayBuffer();
  if (res.statusCode !== 204) throw new Error(`bare sink answered ${res.statusCode} to its flush`);
  return (to - from) * CHUNK;
}

/** Fetches chunks [from, to) (the same bytes as the drive holds) one after another from the bare sender; bytes received. */
async function bareReads(bare: Bare, from: number, to: number): Promise<number> {
  let got = 0;
  for (let i = from; i < to; i++) {
    const res = await bare.pool.request({ method: 'GET', path: `/drives/x/read/${i}` });
    got += Buffer.from(await res.body.arrayBuffer()).length;
  }
  if (got !== (to - from) * CHUNK)
    throw new Error(`bare sender returned ${got} bytes, expected ${(to - from) * CHUNK}`);
  return got;
}

/** Gunzips the bodies of chunks [from, to) one after another as the server does (zlib on libuv's pool, into a reused buffer); decompressed bytes. */
async function inflateRange(gz: Buffer[], from: number, to: number): Promise<number> {
  let out = 0;
  for (let i = from; i < to; i++) {
    const inflated = await gunzipStaged(gz[i % PATTERNS]!, CHUNK);
    out += inflated.bytes.length;
    inflated.release();
  }
  return out;
}

/** One timed slice: bytes moved and milliseconds taken. */
interface Slice {
  bytes: number;
  ms: number;
}

/** A side's rate over its slices in MB/s: its total bytes over its total time. */
function meanRate(slices: Slice[]): number {
  const sum = (pick: (s: Slice) => number) => slices.reduce((a, s) => a + pick(s), 0);
  return sum((s) => s.bytes) / (sum((s) => s.ms) / 1000) / 1e6;
}

/** A side's mean rate and its slices' own rates (in the order taken), in MB/s. */
interface Paced {
  rate: number;
  slices: number[];
}

/**
 * Times SLICES slices of each side, the sides in turn and their order mirrored every other round (A B B A A B B A,
 * or A B C C B A A B C C B A), so a change of the shared machine's pace weighs on every side alike; slice(round)
 * returns the bytes it moved. Returns each side's mean rate and slice rates.
 */
async function inTurn<S extends ((round: number) => Promise<number>)[]>(
  ...sides: S
): Promise<{ [K in keyof S]: Paced }> {
  const slices: Slice[][] = sides.map(() => []);
  for (let round = 0; round < SLICES; round++) {
    const order = sides.map((_, s) => s);
    if (round % 2 === 1) order.reverse();
    for (const s of order) {
      const t0 = performance.now();
      const bytes = await sides[s]!(round);
      slices[s]!.push({ bytes, ms: performance.now() - t0 });
    }
  }
  return slices.map((side) => ({
    rate: meanRate(side),
    slices: side.map((s) => meanRate([s])),
  })) as { [K in keyof S]: Paced };
}

/**
 * After a warm-up on a throw-away drive (and of the bare servers, started once), creates a drive of sizeMiB through the
 * API, writes it raw then gzip and reads it back in sequential 4 MiB calls on one connection, each pass in SLICES slices
 * taken in turn with its bare counterparts' (raw write with the sink and the disk sink, gzip with inflate alone, read
 * with the sender) so pace changes of the shared machine weigh on both; then writes a second fresh drive raw over two
 * connections in one pass; dd in the same data dir.
 */
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
  const bares: Bare[] = [];
  const senderFile = join(dataDir, 'bare-sender.bin');
  const diskFile = join(dataDir, 'bare-disk-sink.bin');
  try {
    const data = patterns();
    const gz = data.map((b) => gzipSync(b, { level: 6 }));
    const gzipRatio = data.reduce((s, b) => s + b.length, 0) / gz.reduce((s, b) => s + b.length, 0);
    const port = (n: number) => (opts.barePort ? opts.barePort + n : 0);
    writeFileSync(senderFile, Buffer.concat(data));
    const start = async (script: string, n: number, args: string[]) => {
      const bare = await startBare(script, port(n), args);
      bares.push(bare);
      return bare;
    };
    const sink = await start(SINK, 0, []);
    const diskSink = await start(DISK_SINK, 1, [diskFile]);
    const sender = await start(SENDER, 2, [senderFile]);
    const create = async (name: string) => {
      const uuid = parseRecord(
        (await call('POST', '/drives/create', `name ${name}\nsize ${sizeMiB}M\nclaim:type exclusive\n`)).toString(
          'utf8',
        ),
      ).drive;
      if (!uuid) throw new Error('drive create answered no drive uuid');
      return uuid;
    };
    const chunks = (sizeMiB * 1024 * 1024) / CHUNK;
    const bytes = chunks * CHUNK;
    const warmCalls = Math.min(WARM_UP_CALLS, chunks);
    const warm = await create('warm-up');
    for (let i = 0; i < warmCalls; i++) {
      await call('POST', `/drives/${warm}/write/${i * CHUNK}`, data[i % PATTERNS], {
        'content-type': 'application/octet-stream',
      });
      await call('GET', `/drives/${warm}/read/${i * CHUNK}/4M`);
    }
    await call('POST', `/drives/${warm}/destroy`, '');
    await bareWrites(sink, data, 0, warmCalls);
    await bareWrites(diskSink, data, 0, warmCalls);
    await bareReads(sender, 0, warmCalls);
    await inflateRange(gz, 0, warmCalls);
    const drive = await create('bench');
    /** Chunks [from, to) of slice k: a contiguous SLICES-th of the drive. */
    const range = (k: number): [number, number] => [
      Math.floor((k * chunks) / SLICES),
      Math.floor(((k + 1) * chunks) / SLICES),
    ];
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
    const gzipped = { ...octet, 'content-encoding': 'gzip' };
    /** Nube's write slice k: its chunks, then a 4 KiB read of the drive, which waits for the write-behind queue, so the slice ends once its bytes are on disk. */
    const nubeWrites = (body: Buffer[], headers: Record<string, string>) => async (k: number) => {
      const [from, to] = range(k);
      for (let i = from; i < to; i++)
        await call('POST', `/drives/${drive}/write/${i * CHUNK}`, body[i % PATTERNS], headers);
      await call('GET', `/drives/${drive}/read/0/4K`);
      return (to - from) * CHUNK;
    };
    const checked = [...new Set([0, 1, Math.floor(chunks / 2), chunks - 1])];
    const verify = async (uuid = drive) => {
      for (const i of checked) {
        const back = await call('GET', `/drives/${uuid}/read/${i * CHUNK}/4M`);
        if (!back.equals(data[i % PATTERNS]!))
          throw new Error(`drive chunk ${i} read back differs from what was written`);
      }
    };
    const logRate = (what: string, p: Paced) =>
      log(`${what}${Math.round(p.rate)} MB/s (slices ${p.slices.map((r) => Math.round(r)).join(', ')})`);
    log(
      `drive write raw (N), bare sink (S) and bare disk sink (D) in turn, N S D D S N N S D ..., ${SLICES} slices of ${sizeMiB / SLICES} MiB each`,
    );
    const [raw, sinkPace, diskSinkPace] = await inTurn(
      nubeWrites(data, octet),
      (k) => bareWrites(sink, data, ...range(k)),
      (k) => bareWrites(diskSink, data, ...range(k)),
    );
    logRate(`drive write raw: ${sizeMiB} MiB at `, raw);
    logRate('bare node:http sink, same client and bodies: ', sinkPace);
    logRate('bare node:http server writing them O_DIRECT, same client and bodies: ', diskSinkPace);
    await verify();
    for (const i of checked) await call('POST', `/drives/${drive}/write/${i * CHUNK}`, Buffer.alloc(CHUNK), octet);
    log(
      `drive write gzip (N) and gunzip alone (I) in turn, N I I N N I I N, ${SLICES} slices of ${sizeMiB / SLICES} MiB each`,
    );
    const [gzipPace, inflatePace] = await inTurn(nubeWrites(gz, gzipped), (k) => inflateRange(gz, ...range(k)));
    logRate(`drive write gzip: ${sizeMiB} MiB at `, gzipPace);
    logRate('gunzip alone, same bodies: ', inflatePace);
    await verify();
    let readBytes = 0;
    log(
      `drive read (N) and bare sender (S) in turn, N S S N N S S N, ${SLICES} slices of ${sizeMiB / SLICES} MiB each, ranges in the order ${READ_ORDER.join(', ')}`,
    );
    const [readPace, senderPace] = await inTurn(
      async (round) => {
        const [from, to] = range(READ_ORDER[round]!);
        let got = 0;
        for (let i = from; i < to; i++) got += (await call('GET', `/drives/${drive}/read/${i * CHUNK}/4M`)).length;
        readBytes += got;
        return got;
      },
      (round) => bareReads(sender, ...range(READ_ORDER[round]!)),
    );
    if (readBytes !== bytes) throw new Error(`drive read returned ${readBytes} bytes, expected ${bytes}`);
    logRate(`drive read: ${sizeMiB} MiB at `, readPace);
    logRate('bare node:http sender, same client and bytes: ', senderPace);
    await call('POST', `/drives/${drive}/destroy`, '');
    const second = await create('bench-2');
    const writeRaw2 = await timed(
      'write raw, 2 connections',
      (i) => call('POST', `/drives/${second}/write/${i * CHUNK}`, data[i % PATTERNS], octet, pool2),
      2,
    );
    await verify(second);
    await call('POST', `/drives/${second}/destroy`, '');
    const [writeRaw, bareSink, bareDiskSink] = [raw.rate, sinkPace.rate, diskSinkPace.rate];
    const [writeGzip, inflateOnly, read, bareSender] = [
      gzipPace.rate,
      inflatePace.rate,
      readPace.rate,
      senderPace.rate,
    ];
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
      slices: SLICES,
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
    await Promise.allSettled(bares.map((bare) => bare.stop()));
    rmSync(senderFile, { force: true });
    rmSync(diskFile, { force: true });
    await pool.close();
    await pool2.close();
  }
}
