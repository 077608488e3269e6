/** O_DIRECT I/O for raw volume files: block-aligned reads and writes in pieces, straight from page-aligned memory or through reused staging slots. */
import type { FileHandle } from 'node:fs/promises';
import { PAGE_BYTES, copyBytes, isPageAligned, pageAlignedBuffer } from '../../lib/page-buffers.js';

/** Smallest transfer worth bypassing the page cache. */
const DIRECT_MIN = 64 * 1024;
/** Bytes of one piece: a large transfer is split into pieces, each sent to the disk as soon as it is ready. */
const SLOT = 2 * 1024 * 1024;
/** Most staging slots ever allocated (64 MiB); a transfer that finds none free goes through the page cache instead. */
const MAX_SLOTS = 32;

/** True when offset and length allow a direct transfer. */
export function directFits(offset: number, length: number): boolean {
  return length >= DIRECT_MIN && offset % PAGE_BYTES === 0 && length % PAGE_BYTES === 0;
}

/**
 * Page-aligned 2 MiB staging slots for one direct transfer at a time, taken all or none and always given back (none
 * free: the page cache path); unlike ReadBuffers, whose buffers leave with an answer and may never return.
 */
export class AlignedSlots {
  private free: Buffer[] = [];
  private made = 0;

  /** n free slots, or undefined when that many cannot be had (nothing is taken then). */
  take(n: number): Buffer[] | undefined {
    while (this.free.length < n && this.made < MAX_SLOTS) {
      this.free.push(pageAlignedBuffer(SLOT));
      this.made++;
    }
    if (this.free.length < n) return undefined;
    return this.free.splice(this.free.length - n, n);
  }

  /** count buffers of bytes each (a divisor of the slot size) carved from free slots, or ordinary buffers when not enough are free; release gives them back once no I/O uses them. */
  pieces(count: number, bytes: number): { pieces: Buffer[]; release(): void } {
    const per = Math.max(1, Math.floor(SLOT / bytes));
    const slots = bytes <= SLOT ? this.take(Math.ceil(count / per)) : undefined;
    if (!slots)
      return { pieces: Array.from({ length: count }, () => Buffer.allocUnsafeSlow(bytes)), release: () => undefined };
    const pieces = slots
      .flatMap((s) => Array.from({ length: per }, (_, i) => s.subarray(i * bytes, (i + 1) * bytes)))
      .slice(0, count);
    return { pieces, release: () => this.give(slots) };
  }

  /** Returns slots once no I/O uses them any more. */
  give(slots: Buffer[]): void {
    this.free.push(...slots);
  }
}

/** Writes data at offset through a handle opened with O_DIRECT (from data itself when it is page-aligned); false (nothing written) when no staging slots are free. */
export async function writeDirect(
  fh: FileHandle,
  slots: AlignedSlots,
  data: Uint8Array,
  offset: number,
): Promise<boolean> {
  const pieces = Math.ceil(data.length / SLOT);
  if (isPageAligned(data)) {
    const src = Buffer.from(data.buffer, data.byteOffset, data.length);
    const jobs: Array<Promise<void>> = [];
    for (let i = 0; i < pieces; i++)
      jobs.push(writeFully(fh, src.subarray(i * SLOT, Math.min(data.length, (i + 1) * SLOT)), offset + i * SLOT));
    await settleAll(jobs);
    return true;
  }
  return perSlot(slots, data.length, (buf, start, len) => {
    copyBytes(buf, data.subarray(start, start + len));
    return writeFully(fh, buf.subarray(0, len), offset + start);
  });
}

/** Reads out.length bytes at offset through a handle opened with O_DIRECT (into out itself when it is page-aligned); bytes past the end of the file read as zeros. */
export async function readDirect(fh: FileHandle, slots: AlignedSlots, out: Buffer, offset: number): Promise<boolean> {
  if (isPageAligned(out)) {
    const jobs: Array<Promise<void>> = [];
    for (let start = 0; start < out.length; start += SLOT) {
      const piece = out.subarray(start, Math.min(out.length, start + SLOT));
      jobs.push(readFully(fh, piece, offset + start).then((got) => void piece.fill(0, got)));
    }
    await settleAll(jobs);
    return true;
  }
  return perSlot(slots, out.length, async (buf, start, len) => {
    const got = await readFully(fh, buf.subarray(0, len), offset + start);
    copyBytes(out, buf.subarray(0, got), start);
    out.fill(0, start + got, start + len);
  });
}

/** Runs job once per SLOT-sized piece of length bytes, each with a staging slot of its own; false (nothing done) when too few slots are free. */
async function perSlot(
  slots: AlignedSlots,
  length: number,
  job: (buf: Buffer, start: number, len: number) => Promise<void>,
): Promise<boolean> {
  const bufs = slots.take(Math.ceil(length / SLOT));
  if (!bufs) return false;
  try {
    await settleAll(bufs.map((buf, i) => job(buf, i * SLOT, Math.min(SLOT, length - i * SLOT))));
  } finally {
    slots.give(bufs);
  }
  return true;
}

/** True for the error a filesystem or device gives when it refuses direct I/O (or its alignment). */
export function refusesDirect(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
}

async function writeFully(fh: FileHandle, buf: Buffer, pos: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, pos + done)).bytesWritten;
}

/** A short direct read means the end of the file (reading on from an unaligned position would be refused). */
async function readFully(fh: FileHandle, buf: Buffer, pos: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const want = buf.length - done;
    const { bytesRead } = await fh.read(buf, done, want, pos + done);
    done += bytesRead;
    if (bytesRead < want) break;
  }
  return done;
}

/** Waits for every job (no slot may be reused while the kernel still uses it), then throws the first failure. */
async function settleAll(jobs: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
