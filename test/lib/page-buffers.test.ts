/** Page-aligned buffers held for reuse: out of V8's count of external memory (which starts full collections), and copied into and out of byte for byte at any offset. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PAGE_BYTES, SharedCap, copyBytes, isPageAligned, pageAlignedBuffer } from '../../src/lib/page-buffers.js';

const MB = 1024 * 1024;

test('buffers held for reuse stay out of the external memory that starts V8 full collections', () => {
  const before = process.memoryUsage().external;
  const held = [pageAlignedBuffer(16 * MB), pageAlignedBuffer(16 * MB)];
  const grown = process.memoryUsage().external - before;
  assert.ok(grown < MB, `external memory grew by ${(grown / MB).toFixed(1)} MiB for 32 MiB of page-aligned buffers`);
  for (const buf of held) assert.ok(isPageAligned(buf) && buf.length === 16 * MB);
});

test('copies land byte for byte at unaligned offsets, into and out of aligned buffers, from views of larger buffers', () => {
  const aligned = pageAlignedBuffer(MB);
  const other = pageAlignedBuffer(MB);
  const plain = Buffer.alloc(MB);
  const source = randomBytes(300_000);
  for (const [offset, from, to] of [
    [0, 0, 65_536],
    [1, 3, 65_539],
    [4_093, 17, 200_017],
    [MB - 99_983, 100_017, 200_000],
  ] as const) {
    const part = source.subarray(from, to);
    copyBytes(aligned, part, offset);
    assert.ok(aligned.subarray(offset, offset + part.length).equals(part), `into aligned at ${offset}`);
    const shifted = Math.min(offset + 1, MB - part.length);
    copyBytes(other, aligned.subarray(offset, offset + part.length), shifted);
    assert.ok(other.subarray(shifted, shifted + part.length).equals(part), `aligned to aligned at ${shifted}`);
    copyBytes(plain, aligned.subarray(offset + 5, offset + part.length), 7);
    assert.ok(plain.subarray(7, 7 + part.length - 5).equals(part.subarray(5)), `out of aligned from ${offset}`);
  }
  const before = Buffer.from(plain);
  copyBytes(plain, Buffer.alloc(0), 12);
  assert.ok(plain.equals(before), 'an empty copy changes nothing');
  assert.throws(() => copyBytes(plain, source, MB - 10), RangeError);
  assert.equal(aligned.byteOffset % PAGE_BYTES, 0);
});

test('a pool makes at most its cap of shared buffers alive, so dropped ones the collector does not count cannot pile up', () => {
  const cap = new SharedCap(3);
  const made = [1, 2, 3, 4, 5].map(() => cap.alloc(64 * 1024, pageAlignedBuffer));
  assert.deepEqual(
    made.map((b) => b !== undefined && isPageAligned(b)),
    [true, true, true, false, false],
  );
  assert.equal(made[3], undefined, 'past the cap the caller makes an ordinary buffer');
});
