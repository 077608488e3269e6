import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, statSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawStorage as VolumeStorage } from '../../src/drivers/storage/raw.js';
import { CoreError } from '../../src/lib/errors.js';

const MIB = 1024 * 1024;
let dir: string;
let st: VolumeStorage;
let opened: VolumeStorage[] = [];

/** A storage on the test's dir, closed after the test. */
function storage(opts: ConstructorParameters<typeof VolumeStorage>[1] = {}): VolumeStorage {
  const s = new VolumeStorage(dir, opts);
  opened.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nube-storage-'));
  opened = [];
  st = storage();
});
afterEach(async () => {
  for (const s of opened) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const invalidError = (err: unknown) => err instanceof CoreError && err.kind === 'Invalid';

test('a volume never written reads as zeros and has no file', async () => {
  const data = await st.read('vol-a', 4096, 100, 10 * MIB);
  assert.equal(data.length, 100);
  assert.ok(data.every((b) => b === 0));
  assert.equal(existsSync(st.volumePath('vol-a')), false);
  assert.equal(await st.has('vol-a'), false);
});

test('written bytes read back, unwritten parts stay zero, and the file is sparse at the volume size', async () => {
  const size = 64 * MIB;
  await st.write('vol-a', 10 * MIB, Buffer.from('hello world'), size);
  assert.equal(st.volumePath('vol-a'), join(dir, 'volumes', 'vol-a.img'));
  const s = statSync(st.volumePath('vol-a'));
  assert.equal(s.size, size);
  assert.ok(s.blocks * 512 < MIB, `file should be sparse, has ${s.blocks * 512} bytes allocated`);
  const around = await st.read('vol-a', 10 * MIB - 3, 17, size);
  assert.deepEqual([...around.subarray(0, 3)], [0, 0, 0]);
  assert.equal(around.subarray(3, 14).toString(), 'hello world');
  assert.deepEqual([...around.subarray(14)], [0, 0, 0]);
  await st.write('vol-a', 10 * MIB + 6, Buffer.from('WORLD'), size);
  assert.equal((await st.read('vol-a', 10 * MIB, 11)).toString(), 'hello WORLD');
});

test('writes and reads past the end of the volume are refused', async () => {
  await assert.rejects(st.write('vol-a', MIB - 2, Buffer.from('abc'), MIB), invalidError);
  await assert.rejects(st.write('vol-a', -1, Buffer.from('a'), MIB), invalidError);
  await assert.rejects(st.read('vol-a', MIB, 1, MIB), invalidError);
  assert.equal(await st.has('vol-a'), false, 'a refused write creates nothing');
  await st.write('vol-a', MIB - 3, Buffer.from('end'), MIB);
  assert.equal((await st.read('vol-a', MIB - 3, 3, MIB)).toString(), 'end');
});

test('ids that could escape the data directory are refused', async () => {
  await assert.rejects(st.write('../evil', 0, Buffer.from('x'), 10), invalidError);
  await assert.rejects(st.read('a/b', 0, 1), invalidError);
  await assert.rejects(st.remove(''), invalidError);
});

test('resize grows the file keeping data; the new part reads as zeros', async () => {
  await st.write('vol-a', 0, Buffer.from('keep'), MIB);
  await st.resize('vol-a', 4 * MIB);
  assert.equal(statSync(st.volumePath('vol-a')).size, 4 * MIB);
  assert.equal((await st.read('vol-a', 0, 4, 4 * MIB)).toString(), 'keep');
  assert.ok((await st.read('vol-a', 3 * MIB, 16, 4 * MIB)).every((b) => b === 0));
  await st.resize('vol-none', 4 * MIB);
  assert.equal(await st.has('vol-none'), false, 'resizing an unwritten volume creates no file');
});

for (const useCp of [true, false]) {
  const mode = useCp ? 'cp or reflink' : 'in-process copy';
  test(`clone copies the bytes and the copy is independent (${mode})`, async () => {
    const st = storage({ useCp });
    const size = 8 * MIB;
    await st.write('src', 0, Buffer.from('first'), size);
    await st.write('src', 5 * MIB, Buffer.from('middle'), size);
    await st.write('src', 6 * MIB + 4093, Buffer.from('straddle'), size);
    await st.write('src', size - 2, Buffer.from('ok'), size);
    await st.clone('src', 'dst');
    assert.equal((await st.read('dst', 6 * MIB + 4093, 8)).toString(), 'straddle');
    assert.equal((await st.read('dst', size - 2, 2)).toString(), 'ok');
    assert.equal(statSync(st.volumePath('dst')).size, size);
    assert.ok(statSync(st.volumePath('dst')).blocks * 512 < 2 * MIB, 'the clone stays sparse');
    assert.equal((await st.read('dst', 5 * MIB, 6)).toString(), 'middle');
    await st.write('dst', 0, Buffer.from('FIRST'), size);
    assert.equal((await st.read('src', 0, 5)).toString(), 'first');
    assert.equal((await st.read('dst', 0, 5)).toString(), 'FIRST');
    await st.clone('never-written', 'dst');
    assert.equal(await st.has('dst'), false, 'cloning an empty volume leaves an empty volume');
  });

  test(`snapshot, revert, new volume from snapshot, and removal (${mode})`, async () => {
    const st = storage({ useCp });
    const size = 2 * MIB;
    await st.write('vol', 100, Buffer.from('v1'), size);
    assert.equal(await st.snapshot('vol', 'snap1'), true);
    assert.equal(st.snapshotPath('snap1'), join(dir, 'snapshots', 'snap1.img'));
    assert.equal(await st.hasSnapshot('snap1'), true);
    await st.write('vol', 100, Buffer.from('v2'), size);
    await st.revert('snap1', 'vol');
    assert.equal((await st.read('vol', 100, 2)).toString(), 'v1');
    await st.fromSnapshot('snap1', 'copy');
    assert.equal((await st.read('copy', 100, 2)).toString(), 'v1');
    assert.equal(await st.snapshot('empty', 'snap2'), false);
    await st.revert('snap2', 'vol');
    assert.equal(await st.has('vol'), false, 'reverting to a snapshot of an empty volume clears it');
    assert.ok((await st.read('vol', 100, 2)).every((b) => b === 0));
    await st.removeSnapshot('snap1');
    await st.remove('copy');
    await st.remove('copy');
    assert.equal(await st.hasSnapshot('snap1'), false);
    assert.equal(await st.has('copy'), false);
  });
}

test('snapshots of a large sparse volume are quick and stay sparse', async () => {
  const size = 200 * 1024 * MIB;
  await st.write('big', size - 4, Buffer.from('last'), size);
  const t0 = Date.now();
  await st.snapshot('big', 'big-snap');
  assert.ok(Date.now() - t0 < 2000, `snapshot of a 200 GiB sparse volume took ${Date.now() - t0} ms`);
  assert.ok(statSync(st.snapshotPath('big-snap')).blocks * 512 < MIB);
  await st.fromSnapshot('big-snap', 'big-copy');
  assert.equal((await st.read('big-copy', size - 4, 4, size)).toString(), 'last');
});

for (const direct of [true, false]) {
  test(`aligned and unaligned writes and reads agree byte for byte (${direct ? 'O_DIRECT for aligned transfers' : 'page cache only'})`, async () => {
    const st = storage({ direct });
    const size = 12 * MIB + 100;
    const model = Buffer.alloc(size);
    const put = async (offset: number, data: Buffer) => {
      await st.write('mix', offset, data, size);
      data.copy(model, offset);
    };
    await put(0, randomBytes(4 * MIB));
    await put(4 * MIB, randomBytes(4 * MIB));
    await put(3 * MIB + 17, randomBytes(5000));
    await put(8 * MIB, randomBytes(64 * 1024));
    await put(4 * MIB - 4096, randomBytes(8192));
    await put(size - 50, randomBytes(50));
    await put(MIB, randomBytes(1024 * 1024));
    for (const [offset, length] of [
      [0, 4 * MIB],
      [4 * MIB, 4 * MIB],
      [3 * MIB, 4096],
      [3 * MIB + 10, 9000],
      [8 * MIB, 4 * MIB],
      [12 * MIB, 100],
      [0, size],
    ]) {
      const got = await st.read('mix', offset!, length!, size);
      assert.ok(got.equals(model.subarray(offset!, offset! + length!)), `read of ${length} at ${offset}`);
    }
    assert.ok(
      (await st.read('mix', 12 * MIB, 64 * 1024)).subarray(100).every((b) => b === 0),
      'past the end of the file reads as zeros',
    );
    assert.equal(statSync(st.volumePath('mix')).size, size);
  });
}

test('a volume removed or replaced under a held-open file is never written through the old file', async () => {
  const size = 8 * MIB;
  const first = randomBytes(4 * MIB);
  await st.write('v', 0, first, size);
  await st.remove('v');
  assert.equal(await st.has('v'), false);
  assert.ok((await st.read('v', 0, 16, size)).equals(Buffer.alloc(16)), 'a removed volume reads as zeros');
  await st.write('v', 4 * MIB, Buffer.from('second life'), size);
  assert.ok(
    (await st.read('v', 0, 4 * MIB, size)).equals(Buffer.alloc(4 * MIB)),
    'nothing of the removed volume comes back',
  );
  assert.equal((await st.read('v', 4 * MIB, 11, size)).toString(), 'second life');
  // Another storage on the same directory (another process) replaces and removes the file behind this one's back.
  const other = storage();
  await other.write('v', 0, Buffer.from('snap'), size);
  await other.snapshot('v', 's1');
  await st.write('v', 0, Buffer.from('live'), size);
  await other.revert('s1', 'v');
  assert.equal((await st.read('v', 0, 4, size)).toString(), 'snap', 'the reverted file is read, not the one held open');
  await st.write('v', 0, Buffer.from('next'), size);
  assert.equal((await other.read('v', 0, 4, size)).toString(), 'next', 'the write went to the reverted file');
  rmSync(other.volumePath('v'));
  writeFileSync(join(dir, 'volumes', 'other.img'), Buffer.alloc(size));
  renameSync(join(dir, 'volumes', 'other.img'), other.volumePath('v'));
  await st.write('v', MIB, randomBytes(MIB), size);
  assert.equal(statSync(st.volumePath('v')).size, size);
  assert.ok((await other.read('v', 0, 4, size)).equals(Buffer.alloc(4)), 'the old file is gone for good');
});

test('many volumes written at once, more than are held open, all keep their own bytes', async () => {
  const size = 2 * MIB;
  const data = Array.from({ length: 40 }, () => randomBytes(MIB));
  await Promise.all(data.map((d, i) => st.write(`many-${i}`, (i % 2) * MIB, d, size)));
  await Promise.all(
    data.map(async (d, i) => {
      assert.ok((await st.read(`many-${i}`, (i % 2) * MIB, MIB, size)).equals(d), `volume ${i}`);
    }),
  );
  await Promise.all(data.map((_, i) => st.remove(`many-${i}`)));
  for (let i = 0; i < 40; i++) assert.equal(await st.has(`many-${i}`), false);
});

/** Feeds data to a writer in chunks of the given sizes (cycled), as a network would. */
async function feed(w: { write(c: Uint8Array): Promise<void> }, data: Buffer, sizes: number[]): Promise<void> {
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - at);
    await w.write(data.subarray(at, at + n));
    at += n;
  }
}

for (const direct of [true, false]) {
  test(`streamed writes land byte for byte at aligned and unaligned offsets and lengths (${direct ? 'O_DIRECT' : 'page cache only'})`, async () => {
    const st = storage({ direct });
    const size = 24 * MIB;
    const model = Buffer.alloc(size);
    const cases: Array<[number, number, number[]]> = [
      [0, 4 * MIB, [65536]],
      [4 * MIB, 5 * MIB + 100, [1000, 70000, 3 * MIB]],
      [10 * MIB + 513, 3 * MIB + 7, [4096]],
      [14 * MIB, 16 * MIB - 14 * MIB, [16 * MIB]],
      [20 * MIB, 4096, [1]],
    ];
    await Promise.all(
      cases.map(async ([offset, length, sizes]) => {
        const data = randomBytes(length);
        data.copy(model, offset);
        const w = st.openWrite('s', offset, length, size);
        await feed(w, data, sizes);
        await w.finish();
      }),
    );
    assert.ok((await st.read('s', 0, size, size)).equals(model));
    assert.equal(statSync(st.volumePath('s')).size, size);
  });
}

test('a streamed write is checked up front, makes no file before its first piece, and keeps the pieces written before an abort', async () => {
  const size = 8 * MIB;
  assert.throws(() => st.openWrite('w', 6 * MIB, 4 * MIB, size), invalidError);
  assert.throws(() => st.openWrite('../w', 0, MIB, size), invalidError);
  const idle = st.openWrite('w', 0, 4 * MIB, size);
  await idle.write(randomBytes(MIB - 1));
  await idle.abort();
  assert.equal(await st.has('w'), false, 'no full piece, no file');
  await assert.rejects(idle.write(Buffer.alloc(1)), invalidError);
  const cut = st.openWrite('w', 0, 4 * MIB, size);
  const data = randomBytes(2 * MIB + 5);
  await feed(cut, data, [65536]);
  await assert.rejects(cut.finish(), invalidError, 'fewer bytes than announced');
  const back = await st.read('w', 0, 4 * MIB, size);
  assert.ok(back.subarray(0, 2 * MIB).equals(data.subarray(0, 2 * MIB)), 'the full pieces were written');
  assert.ok(back.subarray(2 * MIB).equals(Buffer.alloc(2 * MIB)), 'the partial piece was not');
  const over = st.openWrite('w', 0, MIB, size);
  await assert.rejects(over.write(Buffer.alloc(MIB + 1)), invalidError);
  await over.abort();
});

test('a streamed write whose volume is removed meanwhile is refused from then on and does not bring the file back', async () => {
  const size = 8 * MIB;
  const w = st.openWrite('gone', 0, 4 * MIB, size);
  await w.write(randomBytes(2 * MIB));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await st.has('gone'), true, 'the first pieces made the file');
  await st.remove('gone');
  const removed = (err: unknown) => err instanceof CoreError && err.kind === 'Conflict' && /removed/.test(err.message);
  await assert.rejects(w.write(randomBytes(2 * MIB)), removed);
  await assert.rejects(w.finish(), removed);
  assert.equal(await st.has('gone'), false);
  const racing = st.openWrite('gone2', 0, 4 * MIB, size);
  const feeding = (async () => {
    for (let i = 0; i < 4; i++) await racing.write(randomBytes(MIB));
    await racing.finish();
  })();
  feeding.catch(() => undefined);
  await st.remove('gone2');
  await assert.rejects(feeding, removed, 'a write under way when its volume goes is refused, whatever it was doing');
  assert.equal(await st.has('gone2'), false);
});

test('remove waits for a one-shot write under way, so the write cannot make the file again after it', async () => {
  const size = 64 * MIB;
  const writing = st.write('once', 0, randomBytes(32 * MIB), size);
  await st.remove('once');
  await writing;
  assert.equal(await st.has('once'), false);
});
