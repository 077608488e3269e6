import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { systemContext } from '../../src/lib/context.js';
import { sweepOrphanFiles } from '../../src/core/volumes/orphans.js';
import { Qcow2Storage } from '../../src/drivers/storage/qcow2.js';
import { RawStorage } from '../../src/drivers/storage/raw.js';
import type { VolumeStorage } from '../../src/drivers/storage/storage.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

/** A live volume and a live snapshot of alice, as rows only. */
async function liveRows(): Promise<{ volume: string; snapshot: string }> {
  const ctx = systemContext((await env.rt.core.accounts.accountByName('alice')).id, 'alice');
  const v = (await env.rt.core.volumes.create(ctx, { name: 'owned', sizeBytes: 4 * 1024 * 1024 })).detailed;
  const snapshot = randomUUID();
  await env.rt.store.db
    .insertInto('snapshots')
    .values({
      id: snapshot,
      account_id: ctx.accountId,
      volume_id: v.volume.id,
      name: 'owned-snap',
      state: 'BackedUp',
      size: v.volume.size,
      volume_type: 'DATADISK',
      created_at: new Date().toISOString(),
      removed_at: null,
    })
    .execute();
  return { volume: v.volume.id, snapshot };
}

/** Plants files in a storage's directories; returns those the sweep must remove and those it must keep. */
function plant(dir: string, volumeExt: string, snapshotExts: string[], owned: { volume: string; snapshot: string }) {
  mkdirSync(join(dir, 'volumes'), { recursive: true });
  mkdirSync(join(dir, 'snapshots'), { recursive: true });
  const gone = [
    join(dir, 'volumes', `${randomUUID()}.${volumeExt}`),
    join(dir, 'volumes', `${owned.volume}.${volumeExt}.00112233aabb.tmp`),
    ...snapshotExts.map((e) => join(dir, 'snapshots', `${randomUUID()}.${e}`)),
    join(dir, 'snapshots', `${randomUUID()}.${snapshotExts[0]}.ffee00112233.tmp`),
  ];
  const kept = [
    join(dir, 'volumes', `${owned.volume}.${volumeExt}`),
    join(dir, 'snapshots', `${owned.snapshot}.${snapshotExts[0]}`),
    join(dir, 'volumes', 'lost+found.txt'),
  ];
  for (const f of [...gone, ...kept])
    writeFileSync(f, f.endsWith('.ref') ? JSON.stringify({ volume: randomUUID() }) : 'x');
  const fresh = join(dir, 'volumes', `${randomUUID()}.${volumeExt}.445566778899.tmp`);
  writeFileSync(fresh, 'a copy under way');
  const later = Date.now() / 1000 + 3600;
  utimesSync(fresh, later, later);
  return { gone, kept: [...kept, fresh] };
}

async function sweepChecks(
  storage: VolumeStorage,
  dir: string,
  volumeExt: string,
  snapshotExts: string[],
): Promise<void> {
  const { gone, kept } = plant(dir, volumeExt, snapshotExts, await liveRows());
  const removed = (await sweepOrphanFiles(env.rt.store, storage, Date.now() + 1000)).map((f) => f.path);
  assert.deepEqual([...removed].sort(), [...gone].sort(), 'exactly the orphans are reported');
  for (const f of gone) assert.equal(existsSync(f), false, `${f} removed`);
  for (const f of kept) assert.equal(existsSync(f), true, `${f} kept`);
}

test('raw storage: temporary, ownerless volume and ownerless snapshot files are swept; owned, foreign and newer files stay', async () => {
  const dir = join(env.config.dataDir, 'raw-sweep');
  const st = new RawStorage(dir);
  try {
    await sweepChecks(st, dir, 'img', ['img']);
  } finally {
    await st.close();
  }
});

test('qcow2 storage: the same for images, snapshot references and exported snapshots', async () => {
  const dir = join(env.config.dataDir, 'qcow2-sweep');
  const st = new Qcow2Storage(dir);
  try {
    await sweepChecks(st, dir, 'qcow2', ['qcow2', 'ref']);
  } finally {
    await st.close();
  }
});

test('a volume or snapshot whose row was removed no longer owns its file', async () => {
  const dir = join(env.config.dataDir, 'removed-sweep');
  const st = new RawStorage(dir);
  try {
    const owned = await liveRows();
    const files = [join(dir, 'volumes', `${owned.volume}.img`), join(dir, 'snapshots', `${owned.snapshot}.img`)];
    mkdirSync(join(dir, 'volumes'), { recursive: true });
    mkdirSync(join(dir, 'snapshots'), { recursive: true });
    for (const f of files) writeFileSync(f, 'x');
    const now = new Date().toISOString();
    await env.rt.store.db.updateTable('volumes').set({ removed_at: now }).where('id', '=', owned.volume).execute();
    await env.rt.store.db.updateTable('snapshots').set({ removed_at: now }).where('id', '=', owned.snapshot).execute();
    assert.equal((await sweepOrphanFiles(env.rt.store, st, Date.now() + 1000)).length, 2);
    for (const f of files) assert.equal(existsSync(f), false);
  } finally {
    await st.close();
  }
});
