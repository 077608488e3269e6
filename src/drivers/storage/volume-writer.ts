/** Volume writes fed as their data arrives: in pieces written while the next ones fill (raw files), or gathered and written at the end. */
import { invalid } from '../../lib/errors.js';
import { copyBytes } from '../../lib/page-buffers.js';
import type { VolumeWriter } from './storage.js';

/** Bytes of one piece: each is written as soon as it is full (the last one when the last byte arrives). */
export const PIECE_BYTES = 1024 * 1024;
/** Pieces a writer fills or holds at once. */
const PIECES = 4;
/** Pieces being written at once; further full pieces wait for one of them. */
const IN_FLIGHT = 2;

/** The volume a piece writer writes to, taken at its first full piece and let go at the end. */
export interface PieceTarget {
  /** Writes piece at the volume offset pos; piece is not touched again until this settles. */
  write(pos: number, piece: Buffer): Promise<void>;
  release(): Promise<void>;
}

/** What a piece writer needs: count buffers of PIECE_BYTES (page-aligned for direct I/O where possible), and the volume. */
export interface PieceSource {
  buffers(count: number): { pieces: Buffer[]; release(): void };
  open(): Promise<PieceTarget>;
}

/** Copies chunks into pieces in order and writes each full piece at its place while the next fills. */
export class PieceWriter implements VolumeWriter {
  private bufs?: { pieces: Buffer[]; release(): void };
  private free: Buffer[] = [];
  private ready: Array<{ buf: Buffer; len: number; pos: number }> = [];
  private current?: Buffer;
  /** Bytes in the current piece, and where in the write it starts. */
  private fill = 0;
  private start = 0;
  private given = 0;
  private running = 0;
  private target?: Promise<PieceTarget>;
  private failed = false;
  private failure: unknown;
  private closed = false;
  private closing?: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly offset: number,
    private readonly length: number,
    private readonly source: PieceSource,
  ) {}

  /** Copies chunk into pieces, waiting for a free piece when all are full or being written. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw invalid('This write is already finished or abandoned', 'body');
    if (this.failed) throw this.failure;
    if (this.given + chunk.length > this.length)
      throw invalid(`The data is longer than the announced ${this.length} bytes`, 'body');
    let at = 0;
    while (at < chunk.length) {
      const cur = this.current ?? (this.current = await this.nextPiece());
      const cap = Math.min(cur.length, this.length - this.start);
      const n = Math.min(cap - this.fill, chunk.length - at);
      copyBytes(cur, chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      this.given += n;
      at += n;
      if (this.fill === cap) {
        this.ready.push({ buf: cur, len: cap, pos: this.offset + this.start });
        this.start += cap;
        this.fill = 0;
        this.current = undefined;
        this.pump();
      }
    }
  }

  /** Waits until every piece is written; refused (after letting go) when fewer bytes than announced were given. */
  async finish(): Promise<void> {
    if (this.given !== this.length) {
      await this.abort();
      throw invalid(`Only ${this.given} of the announced ${this.length} bytes arrived`, 'body');
    }
    if (this.closed) throw invalid('This write is already finished or abandoned', 'body');
    this.closed = true;
    await this.close();
    if (this.failed) throw this.failure;
  }

  /** Drops pieces not yet written, waits for those being written, and lets go of the volume and the buffers. */
  async abort(): Promise<void> {
    this.closed = true;
    if (!this.failed) {
      this.failed = true;
      this.failure = invalid('The write was abandoned', 'body');
    }
    this.drop();
    return this.close();
  }

  private async nextPiece(): Promise<Buffer> {
    if (!this.bufs) {
      this.bufs = this.source.buffers(Math.min(PIECES, Math.ceil(this.length / PIECE_BYTES)));
      this.free.push(...this.bufs.pieces);
    }
    while (!this.free.length && !this.failed) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failed) throw this.failure;
    this.fill = 0;
    return this.free.pop()!;
  }

  private pump(): void {
    while (!this.failed && this.running < IN_FLIGHT && this.ready.length) {
      const p = this.ready.shift()!;
      this.running++;
      this.target ??= this.source.open();
      this.target
        .then((t) => t.write(p.pos, p.buf.subarray(0, p.len)))
        .catch((err: unknown) => {
          if (!this.failed) {
            this.failed = true;
            this.failure = err;
          }
          this.drop();
        })
        .finally(() => {
          this.running--;
          this.free.push(p.buf);
          this.pump();
          this.notify();
        });
    }
  }

  private drop(): void {
    for (const p of this.ready.splice(0)) this.free.push(p.buf);
    this.notify();
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Once nothing is pending or running: lets go of the volume and gives the buffers back (once). */
  private close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.running > 0 || (this.ready.length && !this.failed))
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      const target = await this.target?.catch((err: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.failure = err;
        }
        return undefined;
      });
      await target?.release();
      this.bufs?.release();
      this.bufs = undefined;
      this.free = [];
      this.current = undefined;
    })();
    return this.closing;
  }
}

/** A writer that gathers the chunks and hands them to write in one piece at finish (for storages that write whole requests). */
export function gatheredWriter(length: number, write: (data: Buffer) => Promise<void>): VolumeWriter {
  let parts: Uint8Array[] = [];
  let got = 0;
  return {
    async write(chunk) {
      if (got + chunk.length > length) throw invalid(`The data is longer than the announced ${length} bytes`, 'body');
      parts.push(chunk);
      got += chunk.length;
    },
    async finish() {
      if (got !== length) throw invalid(`Only ${got} of the announced ${length} bytes arrived`, 'body');
      const data = Buffer.concat(parts, length);
      parts = [];
      await write(data);
    },
    async abort() {
      parts = [];
    },
  };
}
