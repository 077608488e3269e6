import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import type { VolumeStorage } from '../../../src/drivers/storage/storage.js';

const GIB = 1024 ** 3;
let env: TestEnv;
let bob: CsClient;
let storage: VolumeStorage;
let cat: { zone: any; zone2: any; offering: any; template: any; small: any; custom: any };

before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
  storage = env.rt.core.deps.storage!;
  const zones = (await env.cs.ok('listZones')).zone;
  const disks = (await env.cs.ok('listDiskOfferings')).diskoffering;
  cat = {
    zone: zones[0],
    zone2: zones[1],
    offering: (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0],
    template: (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0],
    small: disks.find((d: any) => d.name === 'Small'),
    custom: disks.find((d: any) => d.name === 'Custom'),
  };
});
after(async () => {
  await env.close();
});

async function deploy(cs: CsClient = env.cs, params: Record<string, string> = {}): Promise<any> {
  return (
    await cs.done('deployVirtualMachine', {
      zoneid: cat.zone.id,
      serviceofferingid: cat.offering.id,
      templateid: cat.template.id,
      ...params,
    })
  ).virtualmachine;
}

async function rootOf(vmId: string, cs: CsClient = env.cs): Promise<any> {
  return (await cs.ok('listVolumes', { virtualmachineid: vmId, type: 'ROOT' })).volume[0];
}

/** Polls a job until it ends and returns its jobresult; a failed job fails the test. */
async function finish(jobid: string): Promise<any> {
  for (let i = 0; i < 1000; i++) {
    const j = await env.cs.ok('queryAsyncJobResult', { jobid });
    if (j.jobstatus !== 0) {
      assert.equal(j.jobstatus, 1, JSON.stringify(j.jobresult));
      return j.jobresult;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${jobid} did not finish`);
}

/** A data volume that was attached once (Ready) and is detached again. */
async function readyDataVolume(cs: CsClient = env.cs, params: Record<string, string | number> = {}): Promise<any> {
  const vol = (
    await cs.done('createVolume', {
      name: `d-${randomUUID().slice(0, 6)}`,
      diskofferingid: cat.small.id,
      zoneid: cat.zone.id,
      ...params,
    })
  ).volume;
  const vm = await deploy(cs);
  await cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id });
  return (await cs.done('detachVolume', { id: vol.id })).volume;
}

test('createSnapshot of a ROOT volume answers the snapshot clients read', async () => {
  const vm = await deploy(env.cs, { name: 'snapvm' });
  const root = await rootOf(vm.id);
  const first = await env.cs.ok('createSnapshot', { volumeid: root.id });
  assert.ok(first.jobid);
  const snap = (await finish(first.jobid)).snapshot;
  assert.equal(snap.id, first.id);
  assert.match(snap.name, new RegExp(`^snapvm_${root.name}_\\d{14}$`));
  assert.equal(snap.volumeid, root.id);
  assert.equal(snap.volumename, root.name);
  assert.equal(snap.volumetype, 'ROOT');
  assert.equal(snap.state, 'BackedUp');
  assert.equal(snap.intervaltype, 'MANUAL');
  assert.equal(snap.account, 'alice');
  assert.equal(snap.zoneid, cat.zone.id);
  assert.equal(snap.size, root.size);
  assert.equal(typeof snap.size, 'number');
  assert.match(snap.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  const listed = await env.cs.ok('listSnapshots', { id: snap.id });
  assert.equal(listed.count, 1);
  assert.deepEqual(listed.snapshot[0], snap);
  const named = (await env.cs.done('createSnapshot', { volumeid: root.id, name: 'before-upgrade' })).snapshot;
  assert.equal(named.name, 'before-upgrade');
});

test('listSnapshots filters by volume, name, keyword, zone, tags and pages; empty lists keep the snapshot key', async () => {
  const vm = await deploy();
  const root = await rootOf(vm.id);
  const names = ['keep-a', 'keep-b', 'keep-c'];
  const snaps = [];
  for (const name of names) snaps.push((await env.cs.done('createSnapshot', { volumeid: root.id, name })).snapshot);
  assert.equal((await env.cs.ok('listSnapshots', { volumeid: root.id })).count, 3);
  assert.equal((await env.cs.ok('listSnapshots', { name: 'keep-b' })).snapshot[0].id, snaps[1].id);
  const p1 = await env.cs.ok('listSnapshots', { keyword: 'KEEP', page: 1, pagesize: 2 });
  const p2 = await env.cs.ok('listSnapshots', { keyword: 'keep', page: 2, pagesize: 2 });
  assert.equal(p1.count, 3);
  assert.deepEqual(
    [...p1.snapshot, ...p2.snapshot].map((s: any) => s.name),
    names,
  );
  assert.equal((await env.cs.ok('listSnapshots', { volumeid: root.id, zoneid: cat.zone.id })).count, 3);
  assert.deepEqual(await env.cs.ok('listSnapshots', { volumeid: root.id, zoneid: cat.zone2.id }), {
    count: 0,
    snapshot: [],
  });
  const aliceId = (
    await env.rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow()
  ).id;
  await env.rt.store.db
    .insertInto('tags')
    .values({
      id: randomUUID(),
      account_id: aliceId,
      resource_type: 'Snapshot',
      resource_id: snaps[2].id,
      key: 'keep',
      value: 'yes',
      customer: null,
      created_at: new Date().toISOString(),
    })
    .execute();
  const tagged = await env.cs.ok('listSnapshots', { 'tags[0].key': 'keep', 'tags[0].value': 'yes' });
  assert.deepEqual(
    tagged.snapshot.map((s: any) => s.id),
    [snaps[2].id],
  );
  assert.deepEqual(
    tagged.snapshot[0].tags.map((t: any) => [t.key, t.value, t.resourcetype]),
    [['keep', 'yes', 'Snapshot']],
  );
  assert.deepEqual(await bob.ok('listSnapshots'), { count: 0, snapshot: [] });
  assert.equal((await bob.ok('listSnapshots', { id: snaps[0].id })).count, 0);
});

test('createSnapshot refuses a never-attached volume and another account\'s volume; a detached volume is named "detached"', async () => {
  const fresh = (
    await env.cs.done('createVolume', { name: 'fresh', diskofferingid: cat.small.id, zoneid: cat.zone.id })
  ).volume;
  const r = await env.cs.call('createSnapshot', { volumeid: fresh.id });
  assert.equal(r.status, 431);
  assert.match(r.body.errortext, /never been attached/);
  const vm = await deploy();
  const stranger = await bob.call('createSnapshot', { volumeid: (await rootOf(vm.id)).id });
  assert.equal(stranger.status, 431);
  assert.match(stranger.body.errortext, /not found/);
  const loose = await readyDataVolume(env.cs, { name: 'loose' });
  const snap = (await env.cs.done('createSnapshot', { volumeid: loose.id })).snapshot;
  assert.match(snap.name, /^detached_loose_\d{14}$/);
  assert.equal(snap.volumetype, 'DATADISK');
});

test('deleteSnapshot answers a job with success true and removes snapshot and data', async () => {
  const vm = await deploy();
  const root = await rootOf(vm.id);
  await storage.write(root.id, 0, Buffer.from('boot'), root.size);
  const snap = (await env.cs.done('createSnapshot', { volumeid: root.id })).snapshot;
  assert.equal(await storage.hasSnapshot(snap.id), true);
  const stranger = await bob.call('deleteSnapshot', { id: snap.id });
  assert.equal(stranger.status, 431);
  const res = await env.cs.done('deleteSnapshot', { id: snap.id });
  assert.deepEqual(res, { success: true });
  assert.equal(await storage.hasSnapshot(snap.id), false);
  assert.deepEqual(await env.cs.ok('listSnapshots', { id: snap.id }), { count: 0, snapshot: [] });
  assert.equal((await env.cs.call('deleteSnapshot', { id: snap.id })).status, 431);
  assert.equal((await env.cs.call('revertSnapshot', { id: snap.id })).status, 431);
});

test('revertSnapshot refuses a running VM, then restores the bytes and size of the volume once it is stopped', async () => {
  const vm = await deploy();
  const root = await rootOf(vm.id);
  await storage.write(root.id, 4096, Buffer.from('version-1'), root.size);
  const snap = (await env.cs.done('createSnapshot', { volumeid: root.id })).snapshot;
  await storage.write(root.id, 4096, Buffer.from('version-2'), root.size);
  await env.cs.done('resizeVolume', { id: root.id, size: root.size / GIB + 5 });

  const running = await env.cs.call('revertSnapshot', { id: snap.id });
  assert.equal(running.status, 431);
  assert.match(running.body.errortext, /must be stopped/);
  assert.equal((await storage.read(root.id, 4096, 9)).toString(), 'version-2');

  await env.cs.done('stopVirtualMachine', { id: vm.id });
  assert.equal((await bob.call('revertSnapshot', { id: snap.id })).status, 431);
  const res = await env.cs.done('revertSnapshot', { id: snap.id });
  assert.equal(res.snapshot.id, snap.id);
  assert.equal(res.snapshot.volumeid, root.id);
  assert.equal((await storage.read(root.id, 4096, 9)).toString(), 'version-1');
  assert.equal((await rootOf(vm.id)).size, root.size);
  assert.equal((await env.cs.done('startVirtualMachine', { id: vm.id })).virtualmachine.state, 'Running');
});

test('createVolume from a snapshot copies its bytes into an independent volume; revert of a deleted volume is refused', async () => {
  const vol = await readyDataVolume(env.cs, { diskofferingid: cat.custom.id, size: 3 });
  await storage.write(vol.id, 3 * GIB - 8, Buffer.from('lastbyte'), vol.size);
  const snap = (await env.cs.done('createSnapshot', { volumeid: vol.id })).snapshot;
  await env.cs.ok('deleteVolume', { id: vol.id });
  const gone = await env.cs.call('revertSnapshot', { id: snap.id });
  assert.equal(gone.status, 431);
  assert.match(gone.body.errortext, /no longer exists/);
  assert.equal((await env.cs.ok('listSnapshots', { id: snap.id })).count, 1, 'snapshots outlive their volume');

  const copy = (await env.cs.done('createVolume', { name: 'restored', snapshotid: snap.id })).volume;
  assert.equal(copy.name, 'restored');
  assert.equal(copy.size, 3 * GIB);
  assert.equal(copy.state, 'Ready');
  assert.equal(copy.type, 'DATADISK');
  assert.equal(copy.zoneid, cat.zone.id);
  assert.equal((await storage.read(copy.id, 3 * GIB - 8, 8, copy.size)).toString(), 'lastbyte');
  await storage.write(copy.id, 0, Buffer.from('mine'), copy.size);
  const again = (await env.cs.done('createVolume', { name: 'second', snapshotid: snap.id, size: 4 })).volume;
  assert.equal(again.size, 4 * GIB);
  assert.deepEqual(
    [...(await storage.read(again.id, 0, 4))],
    [0, 0, 0, 0],
    "the first copy's writes do not leak into the snapshot",
  );
  assert.equal((await storage.read(again.id, 3 * GIB - 8, 8)).toString(), 'lastbyte');

  const smaller = await env.cs.call('createVolume', { name: 'x', snapshotid: snap.id, size: 2 });
  assert.equal(smaller.status, 431);
  const otherZone = await env.cs.call('createVolume', { name: 'x', snapshotid: snap.id, zoneid: cat.zone2.id });
  assert.equal(otherZone.status, 431);
  const stranger = await bob.call('createVolume', { name: 'x', snapshotid: snap.id });
  assert.equal(stranger.status, 431);
  assert.match(stranger.body.errortext, /not found/);
});

test('a second snapshot while the first is still being taken is refused, and a pending one cannot be deleted', async () => {
  const vm = await deploy();
  const root = await rootOf(vm.id);
  await env.rt.engine.stop();
  let jobid: string;
  try {
    const first = await env.cs.ok('createSnapshot', { volumeid: root.id });
    jobid = first.jobid;
    const listed = (await env.cs.ok('listSnapshots', { id: first.id })).snapshot[0];
    assert.equal(listed.state, 'Creating');
    const second = await env.cs.call('createSnapshot', { volumeid: root.id });
    assert.equal(second.status, 431);
    assert.match(second.body.errortext, /busy/);
    const del = await env.cs.call('deleteSnapshot', { id: first.id });
    assert.equal(del.status, 431);
    assert.equal((await env.cs.call('revertSnapshot', { id: first.id })).status, 431);
  } finally {
    await env.rt.engine.start();
  }
  assert.equal((await finish(jobid!)).snapshot.state, 'BackedUp');
});
