/** Page-aligned buffers for I/O that bypasses the page cache: WebAssembly memory starts on a page boundary, Node's Buffer allocations do not promise it. */

/** The alignment (a page) that O_DIRECT transfers need of memory, offsets and lengths. */
export const PAGE_BYTES = 4096;
const WASM_PAGE = 64 * 1024;
const aligned = new WeakSet<ArrayBufferLike>();

/**
 * A buffer of size bytes whose first byte is page-aligned (an ordinary buffer where WebAssembly memory cannot be had;
 * each one reserves address space, so callers reuse them). The memory is shared: V8 leaves shared memory out of the
 * external bytes that start its full collections, so buffers held for reuse do not bring the next one closer.
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

/** True when buf starts on a page boundary of memory made by pageAlignedBuffer. */
export function isPageAligned(buf: Uint8Array): boolean {
  return aligned.has(buf.buffer) && buf.byteOffset % PAGE_BYTES === 0;
}
