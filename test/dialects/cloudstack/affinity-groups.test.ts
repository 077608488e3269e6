import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { catalog, deploy, type Catalog } from './vm-fixtures.js';

const HOSTS = 2;
let env: TestEnv;
let bob: CsClient;
let cat: Catalog;
before(async () => {
  env = await startTestEnv({ NUBE_SIM_HOSTS: String(HOSTS) });
  bob = await env.account('bob');
  cat = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

async function antiGroup(name: string, description?: string): Promise<any> {
  return (await env.cs.ok('createAntiAffinityGroup', { name, description })).affinitygroup;
}

async function vmById(id: string): Promise<any> {
  return (await env.cs.ok('listVirtualMachines', { id })).virtualmachine[0];
}

test('listAffinityGroupTypes offers host anti-affinity under the camelCase key libcloud reads', async () => {
  assert.deepEqual(await env.cs.ok('listAffinityGroupTypes'), {
    count: 1,
    affinityGroupType: [{ type: 'host anti-affinity' }],
  });
});

test('createAntiAffinityGroup answers synchronously and the group is listed by both list commands', async () => {
  const g = await antiGroup('spread', 'keep apart');
  assert.match(g.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    [g.name, g.type, g.description, g.account, g.virtualmachineIds],
    ['spread', 'host anti-affinity', 'keep apart', 'alice', []],
  );
  const anti = await env.cs.ok('listAntiAffinityGroups', { id: g.id });
  assert.deepEqual(anti, { count: 1, affinitygroup: [g] });
  assert.deepEqual(
    (await env.cs.ok('listAntiAffinityGroups', { name: 'spread' })).affinitygroup.map((x: any) => x.id),
    [g.id],
  );
  const generic = await env.cs.ok('listAffinityGroups', { id: g.id });
  assert.equal(generic.count, 1);
  const item = generic.affinitygroup[0];
  for (const key of ['id', 'name', 'type', 'description', 'account', 'domain', 'domainid', 'virtualmachineIds'])
    assert.ok(key in item, key);
  const dup = await env.cs.call('createAntiAffinityGroup', { name: 'spread' });
  assert.equal(dup.status, 431);
  assert.match(dup.body.errortext, /already exists/);
  const missing = await env.cs.call('createAntiAffinityGroup', {});
  assert.equal(missing.status, 431);
  assert.equal((await bob.ok('createAntiAffinityGroup', { name: 'spread' })).affinitygroup.account, 'bob');
});

test('createAffinityGroup is async, accepts only host anti-affinity, and deleteAffinityGroup answers success true', async () => {
  const j = await env.cs.job('createAffinityGroup', {
    name: 'generic',
    type: 'host anti-affinity',
    description: 'via cs',
  });
  assert.equal(j.jobstatus, 1);
  const g = j.jobresult.affinitygroup;
  assert.deepEqual(
    [g.name, g.type, g.description, g.virtualmachineIds],
    ['generic', 'host anti-affinity', 'via cs', []],
  );
  const bad = await env.cs.call('createAffinityGroup', { name: 'hosty', type: 'host affinity' });
  assert.equal(bad.status, 431);
  assert.match(bad.body.errortext, /Unsupported affinity group type host affinity/);
  const noType = await env.cs.call('createAffinityGroup', { name: 'hosty' });
  assert.equal(noType.status, 431);
  assert.match(noType.body.errortext, /missing parameter type/);
  const dup = await env.cs.call('createAffinityGroup', { name: 'generic', type: 'host anti-affinity' });
  assert.equal(dup.status, 431);
  assert.deepEqual(await env.cs.done('deleteAffinityGroup', { id: g.id }), { success: true });
  assert.deepEqual(await env.cs.ok('listAffinityGroups', { id: g.id }), { count: 0, affinitygroup: [] });
  await env.cs.done('createAffinityGroup', { name: 'by-name', type: 'host anti-affinity' });
  assert.deepEqual(await env.cs.done('deleteAffinityGroup', { name: 'by-name' }), { success: true });
  const gone = await env.cs.call('deleteAffinityGroup', { name: 'by-name' });
  assert.equal(gone.status, 431);
  assert.match(gone.body.errortext, /not found/);
});

test('listAffinityGroups filters by name, type and keyword and pages with a total count', async () => {
  await antiGroup('page-a');
  await antiGroup('page-b');
  const all = await env.cs.ok('listAffinityGroups');
  assert.ok(all.count >= 2);
  const second = await env.cs.ok('listAffinityGroups', { page: 2, pagesize: 1 });
  assert.equal(second.count, all.count);
  assert.deepEqual(second.affinitygroup, [all.affinitygroup[1]]);
  assert.deepEqual(
    (await env.cs.ok('listAffinityGroups', { keyword: 'PAGE-' })).affinitygroup.map((g: any) => g.name),
    ['page-a', 'page-b'],
  );
  assert.deepEqual(
    (await env.cs.ok('listAffinityGroups', { name: 'page-b' })).affinitygroup.map((g: any) => g.name),
    ['page-b'],
  );
  assert.equal((await env.cs.ok('listAffinityGroups', { type: 'host anti-affinity' })).count, all.count);
  assert.deepEqual(await env.cs.ok('listAffinityGroups', { type: 'host affinity' }), { count: 0, affinitygroup: [] });
  assert.deepEqual((await env.cs.ok('listAntiAffinityGroups', { page: 1, pagesize: 1 })).affinitygroup, [
    all.affinitygroup[0],
  ]);
});

test(`anti-affinity is real: ${HOSTS} members run on distinct hosts and one more cannot be placed`, async () => {
  const g = await antiGroup('ha');
  const vms = [];
  for (let i = 0; i < HOSTS; i++)
    vms.push((await deploy(env.cs, cat, { name: `ha${i}`, affinitygroupids: g.id })).virtualmachine);
  const hosts = [];
  for (const vm of vms) {
    const listed = await vmById(vm.id);
    assert.equal(listed.state, 'Running');
    assert.ok(listed.hostid, 'a running VM shows its host');
    assert.deepEqual(
      listed.affinitygroup.map((x: any) => x.id),
      [g.id],
    );
    hosts.push(listed.hostid);
  }
  assert.equal(new Set(hosts).size, HOSTS, 'every member on its own host');
  const j = await env.cs.job('deployVirtualMachine', {
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    name: 'ha-extra',
    affinitygroupnames: 'ha',
  });
  assert.equal(j.jobstatus, 2);
  assert.notEqual(j.jobresultcode, 0);
  assert.match(j.jobresult.errortext, /no host satisfies the anti-affinity rules of its groups/);
  assert.deepEqual(await env.cs.ok('listVirtualMachines', { name: 'ha-extra' }), { count: 0, virtualmachine: [] });
  const listed = (await env.cs.ok('listAffinityGroups', { id: g.id })).affinitygroup[0];
  assert.deepEqual([...listed.virtualmachineIds].sort(), vms.map((v) => v.id).sort());
  const forVm = await env.cs.ok('listAntiAffinityGroups', { virtualmachineid: vms[0].id });
  assert.deepEqual(
    forVm.affinitygroup.map((x: any) => x.id),
    [g.id],
  );

  const refused = await env.cs.call('deleteAntiAffinityGroup', { id: g.id });
  assert.equal(refused.status, 431);
  assert.match(refused.body.errortext, /Cannot delete affinity group ha: virtual machine\(s\) ha0, ha1 are members/);
  const refusedAsync = await env.cs.call('deleteAffinityGroup', { name: 'ha' });
  assert.equal(refusedAsync.status, 431);

  // Moving one member out frees its host for a newcomer.
  const running = await env.cs.call('updateVMAffinityGroup', { id: vms[1].id, affinitygroupids: '' });
  assert.equal(running.status, 431);
  assert.match(running.body.errortext, /must be stopped/);
  await env.cs.done('stopVirtualMachine', { id: vms[1].id });
  const moved = await env.cs.done('updateVMAffinityGroup', { id: vms[1].id, affinitygroupids: '' });
  assert.deepEqual(moved.virtualmachine.affinitygroup, []);
  assert.equal(moved.virtualmachine.id, vms[1].id);
  const extra = (await deploy(env.cs, cat, { name: 'ha-extra', affinitygroupids: g.id })).virtualmachine;
  assert.notEqual((await vmById(extra.id)).hostid, (await vmById(vms[0].id)).hostid);
  assert.equal(
    (await env.cs.done('startVirtualMachine', { id: vms[1].id })).virtualmachine.state,
    'Running',
    'no longer bound by the group',
  );

  for (const vm of [vms[0], vms[1], extra]) await env.cs.done('destroyVirtualMachine', { id: vm.id });
  assert.deepEqual((await env.cs.ok('listAffinityGroups', { id: g.id })).affinitygroup[0].virtualmachineIds, []);
  assert.deepEqual(await env.cs.ok('deleteAntiAffinityGroup', { name: 'ha' }), { success: 'true' });
  assert.deepEqual(await env.cs.ok('listAntiAffinityGroups', { name: 'ha' }), { count: 0, affinitygroup: [] });
});

test('updateVMAffinityGroup replaces the groups of a stopped VM by id or name and checks them', async () => {
  const a = await antiGroup('upd-a');
  const b = await antiGroup('upd-b');
  const vm = (await deploy(env.cs, cat, { name: 'upd', affinitygroupids: a.id, startvm: false })).virtualmachine;
  assert.equal(vm.state, 'Stopped');
  const j = await env.cs.job('updateVMAffinityGroup', { id: vm.id, affinitygroupids: `${a.id},${b.id}` });
  assert.equal(j.jobstatus, 1);
  assert.deepEqual(
    j.jobresult.virtualmachine.affinitygroup.map((x: any) => x.name),
    ['upd-a', 'upd-b'],
  );
  const byName = await env.cs.done('updateVMAffinityGroup', { id: vm.id, affinitygroupnames: 'upd-b' });
  assert.deepEqual(
    byName.virtualmachine.affinitygroup.map((x: any) => x.id),
    [b.id],
  );
  assert.deepEqual(
    (await env.cs.ok('listAffinityGroups', { virtualmachineid: vm.id })).affinitygroup.map((x: any) => x.id),
    [b.id],
  );

  const bobGroup = (await bob.ok('createAntiAffinityGroup', { name: 'bobs' })).affinitygroup;
  const foreign = await env.cs.call('updateVMAffinityGroup', { id: vm.id, affinitygroupids: bobGroup.id });
  assert.equal(foreign.status, 431);
  assert.match(foreign.body.errortext, /not found/);
  const unknown = await env.cs.call('updateVMAffinityGroup', { id: vm.id, affinitygroupnames: 'nope' });
  assert.equal(unknown.status, 431);
  assert.match(unknown.body.errortext, /affinity group nope not found/);
  const notUuid = await env.cs.call('updateVMAffinityGroup', { id: vm.id, affinitygroupids: 'xyz' });
  assert.equal(notUuid.status, 431);
  const neither = await env.cs.call('updateVMAffinityGroup', { id: vm.id });
  assert.equal(neither.status, 431);
  assert.match(neither.body.errortext, /Either affinitygroupids or affinitygroupnames/);
  const notMine = await bob.call('updateVMAffinityGroup', { id: vm.id, affinitygroupids: bobGroup.id });
  assert.equal(notMine.status, 431);
  assert.match(notMine.body.errortext, /virtual machine .* not found/);
  assert.deepEqual(
    (await vmById(vm.id)).affinitygroup.map((x: any) => x.id),
    [b.id],
    'failed calls changed nothing',
  );
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
});

test("another account's affinity groups are invisible and unusable", async () => {
  const g = await antiGroup('mine-only');
  assert.deepEqual(await bob.ok('listAffinityGroups', { id: g.id }), { count: 0, affinitygroup: [] });
  assert.ok(!(await bob.ok('listAntiAffinityGroups')).affinitygroup.some((x: any) => x.id === g.id));
  for (const [command, params] of [
    ['deleteAntiAffinityGroup', { id: g.id }],
    ['deleteAffinityGroup', { id: g.id }],
    ['deleteAntiAffinityGroup', { name: 'mine-only' }],
  ] as const) {
    const r = await bob.call(command, params);
    assert.equal(r.status, 431, command);
    assert.match(r.body.errortext, /not found/);
  }
  const deployed = await bob.call('deployVirtualMachine', {
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    affinitygroupids: g.id,
  });
  assert.equal(deployed.status, 431);
  assert.equal((await env.cs.ok('listAffinityGroups', { id: g.id })).count, 1);
});
