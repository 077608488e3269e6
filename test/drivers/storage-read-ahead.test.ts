import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawStorage } from '../../src/drivers/storage/raw.js';

const MIB = 1024 * 1024;
const SIZE = 32 * MIB;
let dir: string;
let st: RawStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nube-read-ahead-'));
  st = new RawStorage(dir);
  await st.write('v', 0, randomBytes(SIZE), SIZE);
});
afterEach(async () => {
  await st.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads 0-4 MiB and 4-8 MiB, so the range at 8 MiB is being read ahead. */
async function readTwo(): Promise<void> {
  await st.read('v', 0, 4 * MIB, SIZE);
  await st.read('v', 4 * MIB, 4 * MIB, SIZE);
}

test('sequential reads return the file bytes, and a range read ahead is never used after a one-shot or streamed write', async () => {
  const whole = await st.read('v', 0, SIZE, SIZE);
  for (let at = 0; at < SIZE; at += 4 * MIB)
    assert.ok((await st.read('v', at, 4 * MIB, SIZE)).equals(whole.subarray(at, at + 4 * MIB)), `range at ${at}`);
  await readTwo();
  const fresh = randomBytes(4 * MIB);
  await st.write('v', 8 * MIB, fresh, SIZE);
  assert.ok((await st.read('v', 8 * MIB, 4 * MIB, SIZE)).equals(fresh), 'a one-shot write is seen');
  await readTwo();
  const streamed = randomBytes(4 * MIB);
  const w = st.openWrite('v', 8 * MIB, 4 * MIB, SIZE);
  await w.write(streamed);
  await w.finish();
  assert.ok((await st.read('v', 8 * MIB, 4 * MIB, SIZE)).equals(streamed), 'a streamed write is seen');
});

test('a range read ahead is never used after a resize, revert, clone over the volume or its removal', async () => {
  await st.snapshot('v', 's');
  const before = await st.read('v', 8 * MIB, 4 * MIB, SIZE);
  await readTwo();
  await st.resize('v', 8 * MIB);
  await st.resize('v', SIZE);
  assert.ok((await st.read('v', 8 * MIB, 4 * MIB, SIZE)).equals(Buffer.alloc(4 * MIB)), 'shrunk then grown: zeros');
  await readTwo();
  await st.revert('s', 'v');
  assert.ok((await st.read('v', 8 * MIB, 4 * MIB, SIZE)).equals(before), 'reverted bytes');
  await st.write('w', 0, Buffer.alloc(SIZE, 9), SIZE);
  await readTwo();
  await st.clone('w', 'v');
  assert.ok((await st.read('v', 8 * MIB, 4 * MIB, SIZE)).equals(Buffer.alloc(4 * MIB, 9)), 'cloned bytes');
  await readTwo();
  await st.remove('v');
  assert.ok((await st.read('v', 8 * MIB, 4 * MIB, SIZE)).equals(Buffer.alloc(4 * MIB)), 'removed: zeros');
});
