/** Drive upload and download for `nube cloudsigma drives`: 4 MiB chunks, gzip or raw, per-chunk retries, resume, exact lengths. */
import { closeSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import cliProgress from 'cli-progress';
import { CliError, EXIT } from './exit.js';
import { driveSize, sigmaCall, SigmaError, type SigmaCreds } from './cloudsigma-http.js';

/** Size of one drive read or write (the API's largest read). */
const CHUNK = 4 * 1024 * 1024;

/** How each chunk is retried: attempts after the first, and the first pause (doubled each time, at most 8 s). */
export interface RetryOptions {
  retries: number;
  backoffMs: number;
}

/** How an upload goes: where on the drive the file starts, from which byte of the file, gzip or raw, resume, retries. */
export interface UploadOptions extends RetryOptions {
  offset: number;
  from: number;
  resume: boolean;
  raw: boolean;
}

/** How a download goes: where on the drive it starts and how many bytes it takes (default: to the drive's end). */
export interface DownloadOptions extends RetryOptions {
  offset: number;
  length?: number;
}

/** A progress bar on stderr with the rate and the time left; silent when stderr is not a terminal. */
function progress(total: number, start: number): { update(done: number): void; stop(): void } {
  const b = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{bar} {percentage}% {value}/{total} bytes | {rate} | ETA {eta_formatted}',
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  const rate = (done: number) => {
    const s = (Date.now() - t0) / 1000;
    return s > 0 ? `${((done - start) / s / 1048576).toFixed(1)} MiB/s` : '-';
  };
  b.start(total, start, { rate: '-' });
  return { update: (done) => b.update(done, { rate: rate(done) }), stop: () => b.stop() };
}

/** Runs one chunk's call, retrying failures a retry may cure (5xx, 408, 429, lost connections) with doubling pauses. */
async function withRetries<T>(what: string, o: RetryOptions, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof SigmaError) || !err.retryable || attempt >= o.retries) throw err;
      const pause = Math.min(o.backoffMs * 2 ** attempt, 8000);
      process.stderr.write(
        `nube: ${what} failed (${err.message}); retry ${attempt + 1} of ${o.retries} in ${pause} ms\n`,
      );
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** Where an upload should go on from: the start of the first chunk whose bytes on the drive differ from the file's. */
async function firstDifference(c: SigmaCreds, id: string, fd: number, size: number, offset: number, o: RetryOptions) {
  const mine = Buffer.alloc(CHUNK);
  for (let off = 0; off < size; off += CHUNK) {
    const n = readSync(fd, mine, 0, Math.min(CHUNK, size - off), off);
    const theirs = await withRetries(`reading the drive at ${offset + off}`, o, () =>
      sigmaCall(c, 'GET', `/drives/${id}/read/${offset + off}/${n}`, undefined, { 'accept-encoding': 'gzip' }),
    );
    if (!theirs.equals(mine.subarray(0, n))) return off;
  }
  return size;
}

/** Uploads a file to a drive; refused before the first byte when it does not fit; a failure says how to resume. Returns the bytes sent. */
export async function uploadDrive(c: SigmaCreds, id: string, file: string, o: UploadOptions): Promise<number> {
  const size = statSync(file).size;
  if (o.from > size) throw new CliError(`--from ${o.from} is past the end of ${file} (${size} bytes)`, EXIT.usage);
  if (o.resume && o.from > 0) throw new CliError('Give --from or --resume, not both', EXIT.usage);
  const room = await driveSize(c, id);
  if (o.offset + size > room)
    throw new CliError(
      `${file} (${size} bytes) does not fit on drive ${id} (${room} bytes) at offset ${o.offset}: nothing was written; ` +
        'clone the drive to a larger size first',
      EXIT.refused,
    );
  const fd = openSync(file, 'r');
  try {
    const start = o.resume ? await firstDifference(c, id, fd, size, o.offset, o) : o.from;
    if (o.resume) process.stderr.write(`nube: the drive already holds the first ${start} bytes; going on from there\n`);
    const bar = progress(size, start);
    const buf = Buffer.alloc(CHUNK);
    let off = start;
    try {
      for (; off < size; off += CHUNK) {
        const n = readSync(fd, buf, 0, Math.min(CHUNK, size - off), off);
        const data = buf.subarray(0, n);
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (!o.raw) headers['content-encoding'] = 'gzip';
        const body = o.raw ? data : gzipSync(data, { level: 1 });
        const at = o.offset + off;
        await withRetries(`writing the chunk at ${at}`, o, () =>
          sigmaCall(c, 'POST', `/drives/${id}/write/${at}`, body, headers),
        );
        bar.update(off + n);
      }
    } catch (err) {
      const hint = `the first ${off} bytes of ${file} are on the drive: run again with --from ${off} (or --resume)`;
      if (err instanceof CliError) throw new CliError(`${err.message}; ${hint}`, err.exitCode);
      throw err;
    } finally {
      bar.stop();
    }
    return size - start;
  } finally {
    closeSync(fd);
  }
}

/** Downloads part of a drive (all of it by default) into a file that ends up exactly that long. Returns its length. */
export async function downloadDrive(c: SigmaCreds, id: string, file: string, o: DownloadOptions): Promise<number> {
  const size = await driveSize(c, id);
  const length = o.length ?? Math.max(0, size - o.offset);
  if (o.offset + length > size)
    throw new CliError(
      `drive ${id} has ${size} bytes: ${length} bytes from offset ${o.offset} run past its end`,
      EXIT.refused,
    );
  const fd = openSync(file, 'w');
  const bar = progress(length, 0);
  try {
    for (let off = 0; off < length; off += CHUNK) {
      const want = Math.min(CHUNK, length - off);
      const at = o.offset + off;
      const data = await withRetries(`reading the drive at ${at}`, o, async () => {
        const d = await sigmaCall(c, 'GET', `/drives/${id}/read/${at}/${want}`, undefined, {
          'accept-encoding': 'gzip',
        });
        if (d.length !== want)
          throw new SigmaError(`the read at ${at} gave ${d.length} bytes instead of ${want}`, true, EXIT.failed);
        return d;
      });
      writeSync(fd, data, 0, data.length, off);
      bar.update(off + data.length);
    }
    ftruncateSync(fd, length);
  } finally {
    bar.stop();
    closeSync(fd);
  }
  return length;
}
