/** Page-aligned buffers for I/O that bypasses the page cache: WebAssembly memory starts on a page boundary, Node's Buffer allocations do not promise it. */

/** The alignment (a page) that O_DIRECT transfers need of memory, offsets and lengths. */
export const PAGE_BYTES = 4096;
const WASM_PAGE = 64 * 1024;
const aligned = new WeakSet<ArrayBufferLike>();

/**
 * A buffer of size bytes whose first byte is page-aligned (an ordinary buffer where WebAssembly memory cannot be had;
 * each one reserves address space, so callers reuse them). The memory is shared: V8 leaves shared memory out of the
 * external bytes that start its full collections, so buffers held for reuse do not bring the next one closer. Copy
 * into or out of it with copyBytes.
 */
export function pageAlignedBuffer(size: number): Buffer {
  if (typeof WebAssembly !== 'object') return Buffer.allocUnsafeSlow(size);
  const pages = Math.max(1, Math.ceil(size / WASM_PAGE));
  let memory: ArrayBufferLike;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer;
  } catch {
    return Buffer.allocUnsafeSlow(size);
  }
  aligned.add(memory);
  return Buffer.from(memory, 0, size);
}

/**
 * Counts a pool's buffers of shared memory that are alive (held, or dropped and not yet collected), up to max. V8 does
 * not count shared memory, so dropped shared buffers add no pressure to collect them: without a cap they could pile up,
 * while the ordinary buffers a pool makes past it bring the next collection closer.
 */
export class SharedCap {
  private alive = 0;
  private readonly collected = new FinalizationRegistry<void>(() => this.alive--);

  constructor(private readonly max: number) {}

  /** make(size) while fewer than max of this cap's buffers are alive; undefined past it (the caller makes an ordinary one). */
  alloc(size: number, make: (size: number) => Buffer): Buffer | undefined {
    if (this.alive >= this.max) return undefined;
    const buf = make(size);
    this.alive++;
    this.collected.register(buf.buffer, undefined);
    return buf;
  }
}

/**
 * Copies source into target at offset with one memcpy. set() and copy() into or out of shared memory take V8's
 * relaxed-atomic path, byte by byte when the two are not word-aligned alike (~8 times slower here); fill() with a
 * buffer of the range's length is a plain copy.
 */
export function copyBytes(target: Buffer, source: Uint8Array, offset = 0): void {
  if (source.length > 0) target.fill(source, offset, offset + source.length);
}

/** True when buf starts on a page boundary of memory made by pageAlignedBuffer. */
export function isPageAligned(buf: Uint8Array): boolean {
  return aligned.has(buf.buffer) && buf.byteOffset % PAGE_BYTES === 0;
}
