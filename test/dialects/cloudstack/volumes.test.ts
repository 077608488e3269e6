import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';

const GIB = 1024 ** 3;
let env: TestEnv;
let bob: CsClient;
let cat: { zone: any; zone2: any; offering: any; template: any; small: any; medium: any; large: any; custom: any };

before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
  const zones = (await env.cs.ok('listZones')).zone;
  const disks = (await env.cs.ok('listDiskOfferings')).diskoffering;
  const disk = (name: string) => disks.find((d: any) => d.name === name);
  cat = {
    zone: zones[0],
    zone2: zones[1],
    offering: (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0],
    template: (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0],
    small: disk('Small'),
    medium: disk('Medium'),
    large: disk('Large'),
    custom: disk('Custom'),
  };
});
after(async () => {
  await env.close();
});

async function deploy(cs: CsClient = env.cs, params: Record<string, string | boolean> = {}): Promise<any> {
  const r = await cs.done('deployVirtualMachine', {
    zoneid: cat.zone.id,
    serviceofferingid: cat.offering.id,
    templateid: cat.template.id,
    ...params,
  });
  return r.virtualmachine;
}

async function newVolume(cs: CsClient = env.cs, params: Record<string, string | number> = {}): Promise<any> {
  return (
    await cs.done('createVolume', {
      name: `v-${randomUUID().slice(0, 6)}`,
      diskofferingid: cat.small.id,
      zoneid: cat.zone.id,
      ...params,
    })
  ).volume;
}

async function failed(cs: CsClient, command: string, params: Record<string, string | number>): Promise<any> {
  const j = await cs.job(command, params);
  assert.equal(j.jobstatus, 2, `${command} should fail: ${JSON.stringify(j.jobresult)}`);
  return j;
}

test('createVolume with camelCase params answers a job whose result is the new volume', async () => {
  const first = await env.cs.ok('createVolume', { name: 'data1', diskOfferingId: cat.small.id, zoneId: cat.zone.id });
  assert.ok(first.jobid);
  assert.ok(first.id);
  const vol = (await env.cs.ok('queryAsyncJobResult', { jobid: first.jobid })).jobresult.volume;
  assert.equal(vol.id, first.id);
  assert.equal(vol.name, 'data1');
  assert.equal(vol.type, 'DATADISK');
  assert.equal(vol.size, 10 * GIB);
  assert.equal(typeof vol.size, 'number');
  assert.equal(vol.state, 'Allocated');
  assert.equal(vol.zoneid, cat.zone.id);
  assert.equal(vol.zonename, cat.zone.name);
  assert.equal(vol.diskofferingid, cat.small.id);
  assert.equal(vol.diskofferingname, 'Small');
  assert.equal(vol.account, 'alice');
  assert.equal(vol.storagetype, 'local');
  assert.equal(vol.destroyed, false);
  assert.equal(vol.virtualmachineid, undefined);
  assert.match(vol.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  const listed = await env.cs.ok('listVolumes', { id: vol.id });
  assert.equal(listed.count, 1);
  assert.deepEqual(listed.volume[0], vol);
});

test('createVolume sizes: custom offerings need a size in GB, fixed ones refuse another size', async () => {
  const custom = await newVolume(env.cs, { diskofferingid: cat.custom.id, size: 25 });
  assert.equal(custom.size, 25 * GIB);
  const noSize = await env.cs.call('createVolume', { name: 'x', diskofferingid: cat.custom.id, zoneid: cat.zone.id });
  assert.equal(noSize.status, 431);
  assert.match(noSize.body.errortext, /size/i);
  const tooBig = await env.cs.call('createVolume', {
    name: 'x',
    diskofferingid: cat.custom.id,
    zoneid: cat.zone.id,
    size: 100000,
  });
  assert.equal(tooBig.status, 431);
  const fixed = await env.cs.call('createVolume', {
    name: 'x',
    diskofferingid: cat.small.id,
    zoneid: cat.zone.id,
    size: 20,
  });
  assert.equal(fixed.status, 431);
  assert.match(fixed.body.errortext, /fixed size/);
  const sameSize = await newVolume(env.cs, { diskofferingid: cat.small.id, size: 10 });
  assert.equal(sameSize.size, 10 * GIB);
  const noOffering = await env.cs.call('createVolume', { name: 'x', zoneid: cat.zone.id });
  assert.equal(noOffering.status, 431);
  const badZone = await env.cs.call('createVolume', { name: 'x', diskofferingid: cat.small.id, zoneid: randomUUID() });
  assert.equal(badZone.status, 431);
  const badOffering = await env.cs.call('createVolume', {
    name: 'x',
    diskofferingid: randomUUID(),
    zoneid: cat.zone.id,
  });
  assert.equal(badOffering.status, 431);
});

test('listVolumes shows a VM ROOT volume with its VM, and filters by type, name, keyword, zone, tags and pages', async () => {
  const vm = await deploy(env.cs, { name: 'listvm' });
  const roots = await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' });
  assert.equal(roots.count, 1);
  const root = roots.volume[0];
  assert.equal(root.type, 'ROOT');
  assert.equal(root.virtualmachineid, vm.id);
  assert.equal(root.vmname, 'listvm');
  assert.equal(root.vmdisplayname, 'listvm');
  assert.equal(root.vmstate, 'Running');
  assert.equal(root.deviceid, 0);
  assert.equal(root.state, 'Ready');
  assert.equal(typeof root.size, 'number');
  assert.equal(root.serviceofferingid, cat.offering.id);
  assert.equal(root.templateid, cat.template.id);
  assert.deepEqual(await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'datadisk' }), {
    count: 0,
    volume: [],
  });

  const a = await newVolume(env.cs, { name: 'pager-alpha' });
  const b = await newVolume(env.cs, { name: 'pager-beta' });
  await newVolume(env.cs, { name: 'pager-gamma' });
  assert.equal((await env.cs.ok('listVolumes', { name: 'pager-beta' })).volume[0].id, b.id);
  const kw = await env.cs.ok('listVolumes', { keyword: 'PAGER-' });
  assert.equal(kw.count, 3);
  const p1 = await env.cs.ok('listVolumes', { keyword: 'pager', page: 1, pagesize: 2 });
  const p2 = await env.cs.ok('listVolumes', { keyword: 'pager', page: 2, pagesize: 2 });
  assert.equal(p1.count, 3);
  assert.equal(p2.count, 3);
  assert.deepEqual(
    [...p1.volume, ...p2.volume].map((v: any) => v.name),
    ['pager-alpha', 'pager-beta', 'pager-gamma'],
  );
  assert.equal((await env.cs.ok('listVolumes', { keyword: 'pager', zoneid: cat.zone2.id })).count, 0);
  assert.equal((await env.cs.ok('listVolumes', { keyword: 'pager', type: 'DATADISK', zoneid: cat.zone.id })).count, 3);

  const aliceId = (
    await env.rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow()
  ).id;
  await env.rt.store.db
    .insertInto('tags')
    .values({
      id: randomUUID(),
      account_id: aliceId,
      resource_type: 'Volume',
      resource_id: a.id,
      key: 'tier',
      value: 'gold',
      customer: null,
      created_at: new Date().toISOString(),
    })
    .execute();
  const tagged = await env.cs.ok('listVolumes', { 'tags[0].key': 'tier', 'tags[0].value': 'gold' });
  assert.deepEqual(
    tagged.volume.map((v: any) => v.id),
    [a.id],
  );
  assert.deepEqual(
    tagged.volume[0].tags.map((t: any) => [t.key, t.value, t.resourcetype]),
    [['tier', 'gold', 'Volume']],
  );
  assert.equal((await env.cs.ok('listVolumes', { 'tags[0].key': 'tier', 'tags[0].value': 'silver' })).count, 0);

  assert.equal((await bob.ok('listVolumes', { id: a.id })).count, 0, "another account sees none of alice's volumes");
  assert.equal((await bob.ok('listVolumes', { virtualmachineid: vm.id })).count, 0);
});

test('attach and detach a data volume; libcloud sees INUSE then AVAILABLE fields', async () => {
  const vm = await deploy(env.cs, { name: 'attachvm' });
  const vol = await newVolume();
  const attached = (await env.cs.done('attachVolume', { id: vol.id, virtualMachineId: vm.id })).volume;
  assert.equal(attached.virtualmachineid, vm.id);
  assert.equal(attached.vmname, 'attachvm');
  assert.equal(attached.vmstate, 'Running');
  assert.equal(attached.deviceid, 1);
  assert.equal(attached.state, 'Ready');
  assert.ok(attached.attached);
  const onVm = await env.cs.ok('listVolumes', { virtualmachineid: vm.id });
  assert.deepEqual(onVm.volume.map((v: any) => v.type).sort(), ['DATADISK', 'ROOT']);

  const again = await env.cs.call('attachVolume', { id: vol.id, virtualmachineid: vm.id });
  assert.equal(again.status, 431);
  assert.match(again.body.errortext, /already attached/);

  const detached = (await env.cs.done('detachVolume', { id: vol.id })).volume;
  assert.equal(detached.virtualmachineid, undefined);
  assert.equal(detached.deviceid, undefined);
  assert.equal(detached.state, 'Ready');
  assert.equal((await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'DATADISK' })).count, 0);

  const notAttached = await env.cs.call('detachVolume', { id: vol.id });
  assert.equal(notAttached.status, 431);
  assert.match(notAttached.body.errortext, /not attached/);
});

test('detach by virtualmachineid and deviceid; ROOT volumes cannot be detached', async () => {
  const vm = await deploy();
  const vol = await newVolume();
  await env.cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id, deviceid: 5 });
  assert.equal((await env.cs.ok('listVolumes', { id: vol.id })).volume[0].deviceid, 5);
  const res = await env.cs.done('detachVolume', { virtualmachineid: vm.id, deviceid: 5 });
  assert.equal(res.volume.id, vol.id);
  assert.equal(res.volume.virtualmachineid, undefined);

  const root = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' })).volume[0];
  const r = await env.cs.call('detachVolume', { id: root.id });
  assert.equal(r.status, 431);
  assert.match(r.body.errortext, /ROOT/);
  const byDevice = await env.cs.call('detachVolume', { virtualmachineid: vm.id, deviceid: 0 });
  assert.equal(byDevice.status, 431);
  const nothing = await env.cs.call('detachVolume', {});
  assert.equal(nothing.status, 431);
  const empty = await env.cs.call('detachVolume', { virtualmachineid: vm.id, deviceid: 7 });
  assert.equal(empty.status, 431);
});

test('attach refuses other accounts, other zones, destroyed VMs, taken or reserved slots, and a seventh data disk', async () => {
  const vm = await deploy();
  const bobVol = await newVolume(bob);
  const notMine = await env.cs.call('attachVolume', { id: bobVol.id, virtualmachineid: vm.id });
  assert.equal(notMine.status, 431);
  assert.match(notMine.body.errortext, /not found/);
  const bobVm = await deploy(bob);
  const vol = await newVolume();
  const notMyVm = await env.cs.call('attachVolume', { id: vol.id, virtualmachineid: bobVm.id });
  assert.equal(notMyVm.status, 431);
  assert.match(notMyVm.body.errortext, /not found/);

  const far = await newVolume(env.cs, { zoneid: cat.zone2.id });
  const zone = await env.cs.call('attachVolume', { id: far.id, virtualmachineid: vm.id });
  assert.equal(zone.status, 431);
  assert.match(zone.body.errortext, /same zone/);

  const cdrom = await env.cs.call('attachVolume', { id: vol.id, virtualmachineid: vm.id, deviceid: 3 });
  assert.equal(cdrom.status, 431);
  assert.match(cdrom.body.errortext, /CD-ROM/);

  const devices: number[] = [];
  for (let i = 0; i < 6; i++) {
    const v = i === 0 ? vol : await newVolume();
    devices.push((await env.cs.done('attachVolume', { id: v.id, virtualmachineid: vm.id })).volume.deviceid);
  }
  assert.deepEqual(devices, [1, 2, 4, 5, 6, 7], 'device 3 is left for the CD-ROM');
  const seventh = await newVolume();
  const full = await env.cs.call('attachVolume', { id: seventh.id, virtualmachineid: vm.id });
  assert.equal(full.status, 431);
  assert.match(full.body.errortext, /maximum number of data disks \(6\)/);

  const gone = await deploy();
  await env.cs.done('destroyVirtualMachine', { id: gone.id });
  const dead = await env.cs.call('attachVolume', { id: seventh.id, virtualmachineid: gone.id });
  assert.equal(dead.status, 431);
  assert.match(dead.body.errortext, /not found/);
});

test('attach to a stopped VM works, and destroying a VM detaches its data volumes and removes its ROOT volume', async () => {
  const vm = await deploy(env.cs, { startvm: 'false' });
  assert.equal(vm.state, 'Stopped');
  const vol = await newVolume();
  const res = await env.cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id });
  assert.equal(res.volume.vmstate, 'Stopped');
  const root = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' })).volume[0];
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  const after = (await env.cs.ok('listVolumes', { id: vol.id })).volume[0];
  assert.equal(after.virtualmachineid, undefined);
  assert.equal(after.state, 'Ready');
  assert.equal((await env.cs.ok('listVolumes', { id: root.id })).count, 0);
});

test('deleteVolume answers success "true" as a string, refuses attached volumes and other accounts', async () => {
  const vm = await deploy();
  const vol = await newVolume();
  await env.cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id });
  const attached = await env.cs.call('deleteVolume', { id: vol.id });
  assert.equal(attached.status, 431);
  assert.match(attached.body.errortext, /attached/);
  const root = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' })).volume[0];
  assert.equal((await env.cs.call('deleteVolume', { id: root.id })).status, 431);
  await env.cs.done('detachVolume', { id: vol.id });

  const stranger = await bob.call('deleteVolume', { id: vol.id });
  assert.equal(stranger.status, 431);
  assert.match(stranger.body.errortext, /not found/);

  const r = await env.cs.call('deleteVolume', { id: vol.id });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { success: 'true' });
  assert.deepEqual(await env.cs.ok('listVolumes', { id: vol.id }), { count: 0, volume: [] });
  assert.equal((await env.cs.call('deleteVolume', { id: vol.id })).status, 431);
  const attachGone = await env.cs.call('attachVolume', { id: vol.id, virtualmachineid: vm.id });
  assert.equal(attachGone.status, 431);
});

test('deleteVolume removes the volume data file', async () => {
  const storage = env.rt.core.deps.storage!;
  const vol = await newVolume();
  await storage.write(vol.id, 0, Buffer.from('bytes'), vol.size);
  assert.equal(await storage.has(vol.id), true);
  await env.cs.ok('deleteVolume', { id: vol.id });
  assert.equal(await storage.has(vol.id), false);
});

test('resizeVolume grows by size or offering and keeps the data; shrinking and fixed offerings without a new offering are refused', async () => {
  const storage = env.rt.core.deps.storage!;
  const vol = await newVolume(env.cs, { diskofferingid: cat.custom.id, size: 20 });
  await storage.write(vol.id, 5, Buffer.from('kept'), vol.size);
  const grown = (await env.cs.done('resizeVolume', { id: vol.id, size: 30 })).volume;
  assert.equal(grown.size, 30 * GIB);
  assert.equal((await storage.read(vol.id, 5, 4, grown.size)).toString(), 'kept');
  await storage.write(vol.id, 30 * GIB - 4, Buffer.from('tail'), grown.size);

  const shrink = await env.cs.call('resizeVolume', { id: vol.id, size: 10 });
  assert.equal(shrink.status, 431);
  assert.match(shrink.body.errortext, /Shrinking/);
  assert.equal((await env.cs.ok('listVolumes', { id: vol.id })).volume[0].size, 30 * GIB);

  const fixed = await newVolume(env.cs, { diskofferingid: cat.small.id });
  const bySize = await env.cs.call('resizeVolume', { id: fixed.id, size: 40 });
  assert.equal(bySize.status, 431);
  assert.match(bySize.body.errortext, /fixed size/);
  const bigger = (await env.cs.done('resizeVolume', { id: fixed.id, diskofferingid: cat.large.id })).volume;
  assert.equal(bigger.size, 100 * GIB);
  assert.equal(bigger.diskofferingid, cat.large.id);
  const smaller = await env.cs.call('resizeVolume', { id: fixed.id, diskofferingid: cat.medium.id });
  assert.equal(smaller.status, 431);
  assert.equal((await env.cs.call('resizeVolume', { id: fixed.id })).status, 431);
  assert.equal((await bob.call('resizeVolume', { id: fixed.id, size: 200 })).status, 431);
});

test('resizeVolume grows a ROOT volume and the VM shows the new root disk size', async () => {
  const vm = await deploy();
  const root = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' })).volume[0];
  const wanted = root.size / GIB + 10;
  const res = (await env.cs.done('resizeVolume', { id: root.id, size: wanted })).volume;
  assert.equal(res.size, wanted * GIB);
  assert.equal(res.virtualmachineid, vm.id);
  const withOffering = await env.cs.call('resizeVolume', { id: root.id, diskofferingid: cat.large.id });
  assert.equal(withOffering.status, 431);
});

test('a volume with an operation under way refuses a second one (one writer per object)', async () => {
  const vm = await deploy();
  const vol = await newVolume();
  await env.rt.engine.stop();
  try {
    const first = await env.cs.ok('attachVolume', { id: vol.id, virtualmachineid: vm.id });
    assert.ok(first.jobid);
    const del = await env.cs.call('deleteVolume', { id: vol.id });
    assert.equal(del.status, 431);
    const resize = await env.cs.call('resizeVolume', { id: vol.id, diskofferingid: cat.large.id });
    assert.equal(resize.status, 431);
    assert.match(resize.body.errortext, /busy/);
  } finally {
    await env.rt.engine.start();
  }
  const done = await env.cs.ok('listVolumes', { id: vol.id });
  assert.equal(done.volume[0].virtualmachineid, vm.id);
});

test('a failed attach frees the device slot again', async () => {
  const vm = await deploy();
  const vol = await newVolume();
  const hostId = (
    await env.rt.store.db.selectFrom('vms').select('host_id').where('id', '=', vm.id).executeTakeFirstOrThrow()
  ).host_id!;
  await env.rt.store.db
    .insertInto('sim_faults')
    .values({
      id: randomUUID(),
      kind: 'host_unreachable',
      host_id: hostId,
      vm_id: null,
      value: 0,
      remaining: 0,
      created_at: new Date().toISOString(),
    })
    .execute();
  const faultCacheMs = 150;
  await new Promise((r) => setTimeout(r, faultCacheMs));
  try {
    const j = await failed(env.cs, 'attachVolume', { id: vol.id, virtualmachineid: vm.id });
    assert.match(j.jobresult.errortext, /unreachable/);
  } finally {
    await env.rt.store.db.deleteFrom('sim_faults').where('host_id', '=', hostId).execute();
    await new Promise((r) => setTimeout(r, faultCacheMs));
  }
  const after = (await env.cs.ok('listVolumes', { id: vol.id })).volume[0];
  assert.equal(after.virtualmachineid, undefined);
  assert.equal(after.state, 'Allocated');
  assert.equal((await env.cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id })).volume.deviceid, 1);
});

test('concurrent attaches to one VM get distinct device slots', async () => {
  const vm = await deploy();
  const vols = await Promise.all([newVolume(), newVolume(), newVolume(), newVolume()]);
  const answers = await Promise.all(vols.map((v) => env.cs.ok('attachVolume', { id: v.id, virtualmachineid: vm.id })));
  assert.ok(answers.every((a) => a.jobid));
  for (let i = 0; i < 500; i++) {
    const listed = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'DATADISK' })).volume;
    if (listed.every((v: any) => v.state === 'Ready')) {
      assert.deepEqual(listed.map((v: any) => v.deviceid).sort(), [1, 2, 4, 5]);
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('attach jobs did not finish');
});
