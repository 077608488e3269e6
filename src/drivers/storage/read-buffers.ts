/**
 * Reused buffers for volume reads. A fresh 4 MiB buffer per read costs ~2.5 ms of page faults on this kind of machine
 * (more than reading the bytes from disk); a buffer whose answer was sent is given back and serves the next read of
 * the same length. Pooled buffers are page-aligned, so O_DIRECT reads land in them without a staging copy.
 */
import { PAGE_BYTES, SharedCap, pageAlignedBuffer } from '../../lib/page-buffers.js';

/** Lengths worth pooling: page multiples from 64 KiB to 4 MiB (the largest read a dialect allows). */
const MIN_POOLED = 64 * 1024;
const MAX_POOLED = 4 * 1024 * 1024;
/** Free bytes kept at most; buffers given back beyond it are left to the garbage collector. */
const MAX_FREE_BYTES = 32 * 1024 * 1024;
/** Page-aligned buffers alive at most (each reserves address space); past it reads get ordinary buffers. */
const MAX_ALIGNED = 32;

/**
 * Buffers for reads, of any page multiple: take() one, give() it back once nothing uses it any more (or never: it is
 * then collected and its place freed); unlike AlignedSlots, which stages one transfer in fixed slots it always gets back.
 */
export class ReadBuffers {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;
  /** Buffers this pool made that are out (taken and not given back): only these are accepted back, each once. */
  private readonly out = new WeakSet<Buffer>();
  private readonly aligned = new SharedCap(MAX_ALIGNED);

  /** A buffer of length bytes with unspecified contents: the caller writes every byte before anyone reads it. */
  take(length: number): Buffer {
    if (length < MIN_POOLED || length > MAX_POOLED || length % PAGE_BYTES !== 0) return Buffer.allocUnsafe(length);
    const list = this.free.get(length);
    let buf = list?.pop();
    if (buf) {
      this.freeBytes -= length;
      if (list!.length === 0) this.free.delete(length);
    } else {
      buf = this.aligned.alloc(length, pageAlignedBuffer);
      if (!buf) return Buffer.allocUnsafe(length);
    }
    this.out.add(buf);
    return buf;
  }

  /** Gives back a buffer take() returned, once its bytes were sent; anything else (or a second give) is ignored. */
  give(buf: Buffer): void {
    if (!this.out.has(buf)) return;
    this.out.delete(buf);
    if (this.freeBytes + buf.length > MAX_FREE_BYTES) return;
    const list = this.free.get(buf.length) ?? [];
    list.push(buf);
    this.free.set(buf.length, list);
    this.freeBytes += buf.length;
  }
}
