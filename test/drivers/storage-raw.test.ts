import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawStorage as VolumeStorage } from '../../src/drivers/storage/raw.js';
import { CoreError } from '../../src/core/errors.js';

const MIB = 1024 * 1024;
let dir: string;
let st: VolumeStorage;

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nube-storage-')); st = new VolumeStorage(dir); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

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
    const st = new VolumeStorage(dir, { useCp });
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
    const st = new VolumeStorage(dir, { useCp });
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
