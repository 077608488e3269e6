/** Drive write bodies of up to 4 MiB gathered as they arrive into reused page-aligned buffers (written to disk from there without another copy), instead of a fresh 4 MiB Buffer.concat per call. */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_IO_BYTES } from '../../../core/volumes/data-io.js';
import { SharedCap, copyBytes, isPageAligned, pageAlignedBuffer } from '../../../lib/page-buffers.js';
import { requestSlot } from '../../../http/request-slot.js';

/** Smaller bodies are parsed the ordinary way. */
const STAGE_MIN = 64 * 1024;
/** Free buffers kept for reuse. */
const KEEP = 4;
/** Page-aligned buffers alive at most (each reserves address space, and its memory, until it is collected). */
const aligned = new SharedCap(16);

interface Staged {
  buf: Buffer;
  length: number;
  claimed: boolean;
}

const free: Buffer[] = [];
const staged = requestSlot<Staged>('nube.sigma.staged');

/** preParsing hook: copies a body with a Content-Length of 64 KiB to 4 MiB into a pooled buffer; the parser then sees an empty body. */
export async function stageBody(req: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> {
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < STAGE_MIN || length > MAX_IO_BYTES) return payload;
  const entry: Staged = { buf: free.pop() ?? newBuffer(), length: 0, claimed: false };
  staged.set(req, entry);
  reply.raw.once('close', () => {
    if (!entry.claimed) {
      entry.claimed = true;
      release(entry.buf);
    }
  });
  return new StagingStream(payload, entry, length);
}

/** The staged body of a request (the handler then owns the buffer until it calls release), or undefined when it was not staged. */
export function takeStagedBody(req: FastifyRequest): { body: Buffer; release(): void } | undefined {
  const entry = staged.get(req);
  if (!entry || entry.claimed) return undefined;
  entry.claimed = true;
  staged.take(req);
  return { body: entry.buf.subarray(0, entry.length), release: () => release(entry.buf) };
}

/** Keeps buf for reuse, preferring page-aligned buffers over ordinary ones. */
function release(buf: Buffer): void {
  if (free.length < KEEP) {
    free.push(buf);
    return;
  }
  const plain = isPageAligned(buf) ? free.findIndex((b) => !isPageAligned(b)) : -1;
  if (plain >= 0) free[plain] = buf;
}

/** Page-aligned while few are in use (they reserve address space); ordinary ones past that, under many concurrent uploads. */
function newBuffer(): Buffer {
  return aligned.alloc(MAX_IO_BYTES, pageAlignedBuffer) ?? Buffer.allocUnsafeSlow(MAX_IO_BYTES);
}

/** Copies the request's bytes into the staged buffer and ends without data; reports the byte count for Fastify's Content-Length check. */
class StagingStream extends Readable {
  receivedEncodedLength = 0;
  private ended = false;

  constructor(
    private readonly src: Readable,
    entry: Staged,
    expected: number,
  ) {
    super();
    src.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      if (this.receivedEncodedLength + chunk.length > expected) {
        this.destroy(
          Object.assign(new Error('The request body is longer than its Content-Length'), { statusCode: 400 }),
        );
        return;
      }
      copyBytes(entry.buf, chunk, this.receivedEncodedLength);
      this.receivedEncodedLength += chunk.length;
      entry.length = this.receivedEncodedLength;
    });
    src.once('end', () => {
      this.ended = true;
      this.push(null);
    });
    src.once('error', (err) => this.destroy(err));
    src.once('close', () => {
      if (!this.ended) this.destroy(Object.assign(new Error('The request body was cut short'), { statusCode: 400 }));
    });
  }

  override _read(): void {
    this.src.resume();
  }
}
