/** Gunzip into reused buffers: exact bytes at any size up to the limit, calls at once apart, clear refusals. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { GunzipError, gunzipStaged } from '../../src/lib/gunzip-staged.js';

const MB = 1024 * 1024;
/** Compressible bytes unique to n: text stamped with n and its position, between random runs. */
const sample = (n: number, bytes: number) => {
  const parts: Buffer[] = [];
  for (let len = 0; len < bytes; len += 36 * 1024)
    parts.push(Buffer.from(`sample ${n} at ${len} `.padEnd(32 * 1024, '-')), randomBytes(4 * 1024));
  return Buffer.concat(parts).subarray(0, bytes);
};

test('inflated bytes are held in shared memory, which V8 does not count towards a full collection', async () => {
  const inflated = await gunzipStaged(gzipSync(Buffer.alloc(12 * MB, 1)), 16 * MB);
  assert.ok(inflated.bytes.buffer instanceof SharedArrayBuffer);
  assert.ok(inflated.bytes.equals(Buffer.alloc(12 * MB, 1)));
  inflated.release();
});

test('inflates exactly at any size up to the limit, and calls under way at once keep their own bytes', async () => {
  const plain = [sample(0, 10), sample(1, 3 * MB), sample(2, 4 * MB), sample(3, 10 * MB + 17), sample(4, 16 * MB)];
  const all = await Promise.all(plain.map((p) => gunzipStaged(gzipSync(p), 16 * MB)));
  all.forEach((got, i) => assert.ok(got.bytes.equals(plain[i]!), `sample ${i}`));
  const empty = await gunzipStaged(gzipSync(Buffer.alloc(0)), 0);
  assert.equal(empty.bytes.length, 0);
  for (const got of all.slice(1)) got.release();
  const next = await Promise.all(plain.slice(1, 3).map((p) => gunzipStaged(gzipSync(p), 16 * MB)));
  assert.ok(all[0]!.bytes.equals(plain[0]!), 'a buffer still held is not handed to a later call');
  next.forEach((got, i) => assert.ok(got.bytes.equals(plain[i + 1]!), `reused buffer ${i}`));
});

test('output past the limit and data that is not gzip are refused, and the next call is unaffected', async () => {
  const reason = async (input: Uint8Array, limit: number) => {
    const err = await gunzipStaged(input, limit).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof GunzipError, `refused with a GunzipError, got ${String(err)}`);
    return err.reason;
  };
  const five = sample(5, 5 * MB);
  const zipped = gzipSync(five);
  assert.equal(await reason(zipped, 5 * MB - 1), 'too-large');
  assert.equal(await reason(gzipSync(Buffer.alloc(8 * MB)), 4 * MB), 'too-large');
  assert.equal(await reason(Buffer.from('not gzip at all'), MB), 'invalid');
  assert.equal(await reason(zipped.subarray(0, zipped.length - 9), 16 * MB), 'invalid');
  const crc = Buffer.from(zipped);
  crc[crc.length - 8]! ^= 0xff;
  assert.equal(await reason(crc, 16 * MB), 'invalid');
  assert.ok((await gunzipStaged(zipped, 16 * MB)).bytes.equals(five));
});
