/** Raw drive write bodies written to the drive while they arrive: the caller and the drive are checked from the headers, then each chunk goes to the core's writer, so receiving the body and writing it overlap. */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VolumeWriter } from '../../../core/volumes/data-io.js';
import { SigmaFailure } from '../errors.js';
import { requestSlot } from '../../../http/request-slot.js';

/** Smaller bodies are taken the ordinary way. */
const STREAM_MIN = 64 * 1024;
/** Bytes received but not yet taken by the writer beyond which the connection is paused. */
const QUEUE_MAX = 4 * 1024 * 1024;

/** A preParsing hook's signature. */
export type PreParsing = (req: FastifyRequest, reply: FastifyReply, payload: Readable) => Promise<Readable>;

/** How the write route streams: the largest body, the writer for a request (undefined when the caller is not authenticated; rejects when the write is refused), and the hook for every other body. */
export interface StreamOpts {
  max: number;
  open(req: FastifyRequest, length: number): Promise<VolumeWriter | undefined>;
  fallback: PreParsing;
}

const streamed = requestSlot<Promise<void>>('nube.sigma.streamed');

/** preParsing hook: a POST with a Content-Length of 64 KiB to max, no Content-Encoding and no gzip magic is written as it arrives (the parser then sees an empty body); anything else goes to fallback. */
export async function streamBody(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: Readable,
  opts: StreamOpts,
): Promise<Readable> {
  const length = Number(req.headers['content-length']);
  const encoding = String(req.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (
    req.method !== 'POST' ||
    !Number.isSafeInteger(length) ||
    length < STREAM_MIN ||
    length > opts.max ||
    (encoding !== '' && encoding !== 'identity')
  ) {
    return opts.fallback(req, reply, payload);
  }
  const opening = opts.open(req, length);
  opening.catch(() => undefined);
  const first = await firstChunk(payload);
  if (!first || first.length < 3 || (first[0] === 0x1f && first[1] === 0x8b && first[2] === 0x08)) {
    void opening.then(
      (w) => w?.abort(),
      () => undefined,
    );
    if (!first) throw Object.assign(new Error('The request body was cut short'), { statusCode: 400 });
    payload.unshift(first);
    return opts.fallback(req, reply, payload);
  }
  const stream = new WriteStream(payload, first, opening, length);
  streamed.set(req, stream.done);
  return stream;
}

/** Resolves once a streamed body is all on the drive (rejects with why it was not written); undefined when the body was not streamed. */
export function takeStreamedWrite(req: FastifyRequest): Promise<void> | undefined {
  const done = streamed.take(req);
  return done;
}

/** The first chunk of a body (the stream is left paused), or undefined when it ends or breaks first. */
function firstChunk(src: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const done = (chunk?: Buffer) => {
      src.off('data', onData).off('end', onStop).off('close', onStop).off('error', onStop);
      resolve(chunk);
    };
    const onData = (chunk: Buffer) => {
      src.pause();
      done(chunk);
    };
    const onStop = () => done();
    src.on('data', onData).on('end', onStop).on('close', onStop).on('error', onStop);
  });
}

/** Feeds the request's chunks to the writer in order (keeping them while the writer opens) and ends without data; a refused write discards the rest of the body, so the answer comes after it as usual. */
class WriteStream extends Readable {
  /** Bytes received, for Fastify's Content-Length check. */
  receivedEncodedLength = 0;
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: unknown) => void;
  private writer: VolumeWriter | undefined;
  private queue: Buffer[] = [];
  private queued = 0;
  private pumping = false;
  private paused = false;
  private finishing = false;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly src: Readable,
    first: Buffer,
    opening: Promise<VolumeWriter | undefined>,
    private readonly expected: number,
  ) {
    super();
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => undefined);
    opening.then(
      (w) => {
        if (this.stopped) {
          void w?.abort();
          return;
        }
        if (!w) {
          this.stop(new SigmaFailure(401, 'HTTP Basic Authentication missing or incorrect'));
          return;
        }
        this.writer = w;
        void this.pump();
      },
      (err: unknown) => this.stop(err),
    );
    src.on('data', (chunk: Buffer) => this.receive(chunk));
    src.once('end', () => {
      this.ended = true;
      if (this.receivedEncodedLength < this.expected) this.cut('The request body was cut short');
      else this.push(null);
    });
    src.once('error', () => this.cut('The request body was cut short'));
    src.once('close', () => {
      if (!this.ended) this.cut('The request body was cut short');
    });
    this.receive(first);
    src.resume();
  }

  override _read(): void {
    /* the source flows on its own, paused only while the writer lags */
  }

  private receive(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.receivedEncodedLength + chunk.length > this.expected) {
      this.cut('The request body is longer than its Content-Length');
      return;
    }
    this.receivedEncodedLength += chunk.length;
    if (this.stopped) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > QUEUE_MAX && !this.paused) {
      this.paused = true;
      this.src.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    const w = this.writer;
    if (this.pumping || !w || this.stopped) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.stopped) {
        const chunk = this.queue.shift()!;
        this.queued -= chunk.length;
        await w.write(chunk);
        if (this.paused && this.queued <= QUEUE_MAX / 2) {
          this.paused = false;
          this.src.resume();
        }
      }
      if (!this.stopped && !this.finishing && this.receivedEncodedLength === this.expected) {
        this.finishing = true;
        w.finish().then(
          () => this.resolve(),
          (err: unknown) => this.reject(err),
        );
      }
    } catch (err) {
      this.stop(err);
    } finally {
      this.pumping = false;
    }
  }

  /** Writes nothing more (what was written stays), discards the rest of the body, and makes done reject with err. */
  private stop(err: unknown): void {
    if (this.stopped || this.finishing) return;
    this.stopped = true;
    this.reject(err);
    this.queue = [];
    this.queued = 0;
    void this.writer?.abort().catch(() => undefined);
    if (this.paused) {
      this.paused = false;
      this.src.resume();
    }
  }

  /** The body broke off or overran: nothing more is written and the request fails with a 400. */
  private cut(message: string): void {
    const err = Object.assign(new SigmaFailure(400, message), { statusCode: 400 });
    this.stop(err);
    if (!this.destroyed) this.destroy(err);
  }
}
