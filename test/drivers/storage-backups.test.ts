import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { VolumeStorage } from '../../src/drivers/storage/storage.js';
import { RawStorage } from '../../src/drivers/storage/raw.js';
import { Qcow2Storage } from '../../src/drivers/storage/qcow2.js';
import { snapshotNames, virtualSize } from '../../src/drivers/storage/qemu-img.js';

const HAVE = spawnSync('qemu-img', ['--version']).status === 0 && spawnSync('qemu-nbd', ['--version']).status === 0;
const SKIP = HAVE ? false : 'qemu-img / qemu-nbd not installed (apt-get install -y qemu-utils)';
const MIB = 1024 * 1024;

/** Backup, overwrite, restore, restore onto another volume, remove: the same on every storage. */
async function roundTrip(make: (dir: string) => VolumeStorage): Promise<{ dir: string; st: VolumeStorage; b: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nube-backup-'));
  const st = make(dir);
  const vol = randomUUID();
  const other = randomUUID();
  const bkp = randomUUID();
  await st.write(vol, 2 * MIB, Buffer.from('kept bytes'), 8 * MIB);
  assert.equal(await st.backup(vol, bkp), true);
  await st.write(vol, 2 * MIB, Buffer.from('overwrite!'), 8 * MIB);
  await st.restoreBackup(bkp, vol);
  assert.equal((await st.read(vol, 2 * MIB, 10)).toString(), 'kept bytes');
  await st.write(other, 0, Buffer.from('other'), 8 * MIB);
  await st.restoreBackup(bkp, other);
  assert.equal((await st.read(other, 2 * MIB, 10)).toString(), 'kept bytes');
  assert.deepEqual([...(await st.read(other, 0, 5))], [0, 0, 0, 0, 0], 'the target holds the backup only');
  assert.equal(await st.backup(randomUUID(), randomUUID()), false, 'a volume without data gives an empty backup');
  return { dir, st, b: bkp };
}

test('raw storage: a backup is its own file under backups/, restored onto any volume', async () => {
  const { dir, st, b } = await roundTrip((d) => new RawStorage(d));
  assert.ok(existsSync(join(dir, 'backups', `${b}.img`)));
  await st.removeBackup(b);
  assert.ok(!existsSync(join(dir, 'backups', `${b}.img`)));
  await st.close();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'qcow2 storage: a backup is a standalone image; restoring keeps the volume snapshots',
  { skip: SKIP },
  async () => {
    const { dir, st, b } = await roundTrip((d) => new Qcow2Storage(d));
    const file = join(dir, 'backups', `${b}.qcow2`);
    assert.ok(existsSync(file));
    assert.equal(await virtualSize(file), 8 * MIB);
    assert.deepEqual(await snapshotNames(file), [], 'no snapshot of the volume travels in the backup');
    const vol = randomUUID();
    const snap = randomUUID();
    await st.write(vol, 0, Buffer.from('snapshotted'), 8 * MIB);
    await st.snapshot(vol, snap);
    await st.restoreBackup(b, vol);
    assert.equal((await st.read(vol, 2 * MIB, 10)).toString(), 'kept bytes');
    await st.revert(snap, vol);
    assert.equal(
      (await st.read(vol, 0, 11)).toString(),
      'snapshotted',
      'the snapshot taken before the restore still works',
    );
    await st.removeBackup(b);
    assert.ok(!existsSync(file));
    await st.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
