import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawStorage } from '../../src/drivers/storage/raw.js';
import { WriteBehind } from '../../src/drivers/storage/write-behind.js';
import type { VolumeWriter } from '../../src/drivers/storage/storage.js';

const MIB = 1024 * 1024;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nube-write-behind-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A writer whose finish settles only when the test says so. */
function slowWriter(): { writer: VolumeWriter; done(err?: Error): void; finished: () => boolean } {
  let settle!: (err?: Error) => void;
  let finished = false;
  const landed = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  landed.catch(() => undefined);
  return {
    writer: {
      write: async () => undefined,
      finish: async () => {
        await landed;
        finished = true;
      },
      abort: async () => undefined,
    },
    done: (err) => settle(err),
    finished: () => finished,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

test('a write is answered before its bytes land; its failure is reported to the next call on the drive, once', async () => {
  const wb = new WriteBehind();
  const first = slowWriter();
  const w = wb.wrap('d', 0, MIB, first.writer);
  await w.write(Buffer.alloc(MIB));
  await w.finish();
  assert.equal(first.finished(), false, 'finish answered while the bytes were still on their way');
  first.done(new Error('disk full'));
  await tick();
  const next = wb.wrap('d', MIB, MIB, slowWriter().writer);
  await assert.rejects(next.write(Buffer.alloc(MIB)), /disk full/);
  await next.abort();
  await wb.flush('d');
  const again = slowWriter();
  const w3 = wb.wrap('d', 0, MIB, again.writer);
  await w3.write(Buffer.alloc(MIB));
  await w3.finish();
  again.done(new Error('bad sector'));
  await assert.rejects(wb.flushAll(), /bad sector/, 'flush (and close) report it too');
  await wb.flushAll();
});

test('at most 16 MiB wait per drive, and a write over bytes still on their way waits for them', async () => {
  const wb = new WriteBehind();
  const slow = Array.from({ length: 4 }, () => slowWriter());
  for (let i = 0; i < 4; i++) {
    const w = wb.wrap('d', i * 4 * MIB, 4 * MIB, slow[i]!.writer);
    await w.write(Buffer.alloc(4 * MIB));
    await w.finish();
  }
  let fifth = false;
  const w5 = wb.wrap('d', 16 * MIB, 4 * MIB, slowWriter().writer);
  const p5 = w5.write(Buffer.alloc(4 * MIB)).then(() => (fifth = true));
  const other = wb.wrap('other', 0, 4 * MIB, slowWriter().writer);
  await other.write(Buffer.alloc(4 * MIB));
  await tick();
  assert.equal(fifth, false, 'the fifth 4 MiB write waits while 16 MiB are pending');
  slow[0]!.done();
  await p5;
  let over = false;
  const e1 = slowWriter();
  const we = wb.wrap('e2', 0, MIB, e1.writer);
  await we.write(Buffer.alloc(MIB));
  await we.finish();
  const overlapping = wb.wrap('e2', 512 * 1024, MIB, slowWriter().writer);
  const po = overlapping.write(Buffer.alloc(MIB)).then(() => (over = true));
  await tick();
  assert.equal(over, false, 'overlapping bytes wait for the earlier write');
  e1.done();
  await po;
});

test('raw storage: a read right after a streamed write sees its bytes, and close writes them out', async () => {
  const st = new RawStorage(dir);
  const size = 64 * MIB;
  const chunks = Array.from({ length: 8 }, () => randomBytes(4 * MIB));
  for (let i = 0; i < chunks.length; i++) {
    const w = st.openWrite('v', i * 4 * MIB, 4 * MIB, size);
    for (let at = 0; at < 4 * MIB; at += 64 * 1024) await w.write(chunks[i]!.subarray(at, at + 64 * 1024));
    await w.finish();
    assert.ok((await st.read('v', i * 4 * MIB, 4 * MIB, size)).equals(chunks[i]!), `chunk ${i} read back`);
  }
  const last = randomBytes(4 * MIB);
  const w = st.openWrite('v', 32 * MIB, 4 * MIB, size);
  await w.write(last);
  await w.finish();
  await st.snapshot('v', 's');
  const tail = randomBytes(4 * MIB);
  const w2 = st.openWrite('v', 36 * MIB, 4 * MIB, size);
  await w2.write(tail);
  await w2.finish();
  await st.close();
  const reopened = new RawStorage(dir);
  try {
    assert.ok((await reopened.read('v', 36 * MIB, 4 * MIB, size)).equals(tail), 'close wrote out the last write');
    await reopened.fromSnapshot('s', 'copy');
    assert.ok((await reopened.read('copy', 32 * MIB, 4 * MIB, size)).equals(last), 'the snapshot had the write');
  } finally {
    await reopened.close();
  }
});

test('raw storage: removing a drive drops its pending writes without reporting them to a new drive', async () => {
  const st = new RawStorage(dir);
  try {
    const w = st.openWrite('gone', 0, 4 * MIB, 8 * MIB);
    await w.write(randomBytes(4 * MIB));
    await w.finish();
    await st.remove('gone');
    assert.equal(await st.has('gone'), false);
    const again = st.openWrite('gone', 0, 4 * MIB, 8 * MIB);
    const data = randomBytes(4 * MIB);
    await again.write(data);
    await again.finish();
    assert.ok((await st.read('gone', 0, 4 * MIB, 8 * MIB)).equals(data));
  } finally {
    await st.close();
  }
});
