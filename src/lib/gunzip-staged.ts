/**
 * Gunzip into reused buffers. zlib's one-shot gunzip keeps every output piece until the end and then joins them: ~8 MiB
 * of fresh buffers per 4 MiB body, alive across several event-loop turns. V8 counts such buffers towards a full
 * collection, and a stream of gzip writes ran one every ~50 ms. Here each piece is copied out as it comes (so it dies
 * young) into shared memory kept for the next call, which V8 does not count.
 */
import { createGunzip } from 'node:zlib';
import { SharedCap, copyBytes } from './page-buffers.js';

/** Why an inflate failed: output past the limit, or not gzip data. */
export class GunzipError extends Error {
  constructor(readonly reason: 'too-large' | 'invalid') {
    super(reason === 'too-large' ? 'The inflated data is larger than allowed' : 'The data is not valid gzip');
  }
}

/** Inflated bytes in a pooled buffer: release once they are copied or written, as the buffer then serves another call. */
export interface Inflated {
  bytes: Buffer;
  release(): void;
}

/** zlib's output piece, copied out at once: 1 MiB took fewer hops and page faults than 64-256 KiB here. */
const PIECE = 1024 * 1024;
/** First size of an output buffer; it doubles (up to the limit) for larger outputs. */
const FIRST = 4 * 1024 * 1024;
/** Free output buffers kept for reuse. */
const KEEP = 2;

/** Output buffers of shared memory alive at most; ordinary ones past it, under many gzip writes at once. */
const cap = new SharedCap(8);
const free: Buffer[] = [];

/** Inflates input, at most limit bytes out, into a pooled buffer; rejects with a GunzipError for bad or oversized data. */
export function gunzipStaged(input: Uint8Array, limit: number): Promise<Inflated> {
  return new Promise((resolve, reject) => {
    let out = free.pop() ?? shared(FIRST);
    let at = 0;
    let failed = false;
    const z = createGunzip({ chunkSize: PIECE });
    const fail = (err: GunzipError) => {
      if (failed) return;
      failed = true;
      z.destroy();
      give(out);
      reject(err);
    };
    z.on('data', (piece: Buffer) => {
      if (failed) return;
      if (at + piece.length > limit) return fail(new GunzipError('too-large'));
      if (at + piece.length > out.length) {
        const grown = shared(Math.min(limit, Math.max(out.length * 2, at + piece.length)));
        copyBytes(grown, out.subarray(0, at));
        give(out);
        out = grown;
      }
      copyBytes(out, piece, at);
      at += piece.length;
    });
    z.on('error', () => fail(new GunzipError('invalid')));
    z.on('end', () => {
      if (failed) return;
      const held = out;
      let released = false;
      resolve({
        bytes: held.subarray(0, at),
        release: () => {
          if (released) return;
          released = true;
          give(held);
        },
      });
    });
    z.end(input);
  });
}

/** Shared memory, which V8 does not count towards a full collection (copied with copyBytes), while under the cap. */
function shared(size: number): Buffer {
  return cap.alloc(size, (n) => Buffer.from(new SharedArrayBuffer(n))) ?? Buffer.allocUnsafeSlow(size);
}

/** Keeps buf for a later call, preferring larger buffers. */
function give(buf: Buffer): void {
  if (free.length < KEEP) free.push(buf);
  else {
    const smaller = free.findIndex((b) => b.length < buf.length);
    if (smaller >= 0) free[smaller] = buf;
  }
}
