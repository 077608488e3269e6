import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Qcow2Storage } from '../../src/drivers/storage/qcow2.js';
import { snapshotNames, virtualSize } from '../../src/drivers/storage/qemu-img.js';

const HAVE = spawnSync('qemu-img', ['--version']).status === 0 && spawnSync('qemu-nbd', ['--version']).status === 0;
const SKIP = HAVE ? false : 'qemu-img / qemu-nbd not installed (apt-get install -y qemu-utils)';
const MIB = 1024 * 1024;

let dir: string;
let st: Qcow2Storage;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nube-qcow2-'));
  st = new Qcow2Storage(dir);
});
afterEach(async () => {
  await st.close();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'bytes written are read back from a qcow2 image; unwritten volumes and parts read as zeros',
  { skip: SKIP },
  async () => {
    const id = randomUUID();
    assert.equal(await st.has(id), false);
    assert.deepEqual([...(await st.read(id, 0, 8, 16 * MIB))], [0, 0, 0, 0, 0, 0, 0, 0]);
    const big = Buffer.alloc(6 * MIB, 0x5a);
    big.write('start', 0);
    await st.write(id, 3 * MIB + 17, big, 16 * MIB);
    assert.equal(await st.has(id), true);
    assert.equal(await virtualSize(st.volumePath(id)), 16 * MIB, 'the image has the volume size');
    assert.ok((await st.read(id, 3 * MIB + 17, big.length)).equals(big));
    assert.deepEqual([...(await st.read(id, 0, 4))], [0, 0, 0, 0]);
    await assert.rejects(st.write(id, 16 * MIB - 2, Buffer.from('xyz'), 16 * MIB), /past the end/);
    await st.write(id, 20 * MIB, Buffer.from('grown'), 32 * MIB);
    assert.equal(await virtualSize(st.volumePath(id)), 32 * MIB, 'a write to a grown volume grows its image');
    assert.equal((await st.read(id, 20 * MIB, 5)).toString(), 'grown');
  },
);

test('resize sets the virtual size with qemu-img; clones are independent copies', { skip: SKIP }, async () => {
  const a = randomUUID();
  const b = randomUUID();
  await st.write(a, 0, Buffer.from('original'), 8 * MIB);
  await st.resize(a, 24 * MIB);
  assert.equal(await virtualSize(st.volumePath(a)), 24 * MIB);
  await st.clone(a, b);
  await st.write(b, 0, Buffer.from('changed!'), 24 * MIB);
  assert.equal((await st.read(a, 0, 8)).toString(), 'original');
  assert.equal((await st.read(b, 0, 8)).toString(), 'changed!');
  const none = randomUUID();
  await st.resize(none, 8 * MIB);
  assert.equal(await st.has(none), false, 'resizing a volume without data needs no file');
});

test(
  'snapshots are qcow2 internal snapshots: revert restores bytes and size, new volumes are made from them',
  { skip: SKIP },
  async () => {
    const vol = randomUUID();
    const snap = randomUUID();
    assert.equal(await st.snapshot(vol, randomUUID()), false, 'a volume without data has nothing to snapshot');
    await st.write(vol, MIB, Buffer.from('version-1'), 8 * MIB);
    assert.equal(await st.snapshot(vol, snap), true);
    assert.deepEqual(await snapshotNames(st.volumePath(vol)), [snap]);
    await st.write(vol, MIB, Buffer.from('version-2'), 8 * MIB);
    await st.resize(vol, 16 * MIB);
    await st.revert(snap, vol);
    assert.equal((await st.read(vol, MIB, 9)).toString(), 'version-1');
    assert.equal(await virtualSize(st.volumePath(vol)), 8 * MIB, 'the size at the snapshot comes back');
    const copy = randomUUID();
    await st.fromSnapshot(snap, copy);
    assert.equal((await st.read(copy, MIB, 9)).toString(), 'version-1');
    assert.deepEqual(await snapshotNames(st.volumePath(copy)), [], 'the new volume is a flat image');
    await st.removeSnapshot(snap);
    assert.deepEqual(await snapshotNames(st.volumePath(vol)), []);
    assert.equal(await st.hasSnapshot(snap), false);
  },
);

test('deleting a volume keeps its snapshots: they move out to standalone images', { skip: SKIP }, async () => {
  const vol = randomUUID();
  const snap = randomUUID();
  await st.write(vol, 0, Buffer.from('keep me'), 4 * MIB);
  await st.snapshot(vol, snap);
  await st.remove(vol);
  assert.equal(await st.has(vol), false);
  assert.equal(await st.hasSnapshot(snap), true);
  const back = randomUUID();
  await st.fromSnapshot(snap, back);
  assert.equal((await st.read(back, 0, 7)).toString(), 'keep me');
  await st.removeSnapshot(snap);
  assert.equal(await st.hasSnapshot(snap), false);
});

test(
  'a raw volume file left by an older Nube is converted; a qemu-nbd left holding an image is stopped',
  { skip: SKIP },
  async () => {
    const old = randomUUID();
    mkdirSync(join(dir, 'volumes'), { recursive: true });
    const raw = Buffer.alloc(2 * MIB);
    raw.write('raw bytes', 4096);
    writeFileSync(join(dir, 'volumes', `${old}.img`), raw);
    assert.equal((await st.read(old, 4096, 9, 2 * MIB)).toString(), 'raw bytes');
    assert.equal(existsSync(join(dir, 'volumes', `${old}.img`)), false);

    const held = randomUUID();
    await st.write(held, 0, Buffer.from('held'), 4 * MIB);
    await st.close();
    const pidfile = join(dir, 'run', `nbd-${held}.pid`);
    const orphan = spawnSync('qemu-nbd', [
      '-k',
      join(dir, 'run', 'orphan.sock'),
      '-f',
      'qcow2',
      '-t',
      '--fork',
      `--pid-file=${pidfile}`,
      st.volumePath(held),
    ]);
    assert.equal(orphan.status, 0, orphan.stderr.toString());
    const fresh = new Qcow2Storage(dir);
    assert.equal(await fresh.snapshot(held, randomUUID()), true, 'the orphan no longer holds the image lock');
    assert.equal((await fresh.read(held, 0, 4, 4 * MIB)).toString(), 'held');
    await fresh.close();
  },
);

test('parallel writes to one volume all land', { skip: SKIP }, async () => {
  const id = randomUUID();
  await Promise.all(Array.from({ length: 16 }, (_, i) => st.write(id, i * 65536, Buffer.from(`part-${i}`), 4 * MIB)));
  for (let i = 0; i < 16; i++)
    assert.equal((await st.read(id, i * 65536, 5 + String(i).length)).toString(), `part-${i}`);
});

test('a streamed write whose volume is removed meanwhile is refused and leaves no image', { skip: SKIP }, async () => {
  const removed = /removed while it was being written/;
  const early = randomUUID();
  const w = st.openWrite(early, 0, 2 * MIB, 8 * MIB);
  await w.write(Buffer.alloc(MIB, 1));
  await st.remove(early);
  await assert.rejects(w.write(Buffer.alloc(MIB, 2)), removed);
  await assert.rejects(w.finish(), removed);
  assert.equal(await st.has(early), false);
  const late = randomUUID();
  const w2 = st.openWrite(late, 0, 2 * MIB, 8 * MIB);
  await w2.write(Buffer.alloc(2 * MIB, 3));
  const finishing = w2.finish();
  finishing.catch(() => undefined);
  await st.remove(late);
  await assert.rejects(finishing, removed, 'a write finishing while its volume goes is refused');
  assert.equal(await st.has(late), false, 'and the image it wrote is gone with the volume');
});

test(
  'the start-up sweep deletes an ownerless image only after moving out the snapshots still in it',
  { skip: SKIP },
  async () => {
    const vol = randomUUID();
    const snap = randomUUID();
    await st.write(vol, 0, Buffer.from('kept in the snapshot'), 4 * MIB);
    assert.equal(await st.snapshot(vol, snap), true);
    const files = await st.files();
    assert.deepEqual(files.map((f) => `${f.kind}:${f.id}`).sort(), [`snapshot:${snap}`, `volume:${vol}`].sort());
    await st.discard(files.find((f) => f.kind === 'volume')!);
    assert.equal(await st.has(vol), false);
    const copy = randomUUID();
    await st.fromSnapshot(snap, copy);
    assert.equal((await st.read(copy, 0, 20)).toString(), 'kept in the snapshot');
  },
);
