import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { aliceContext, receiptChecker } from '../support/receipts.js';
import { addNetwork, catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { CoreError } from '../../src/lib/errors.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';
import type { TaskReceipt } from '../../src/core/receipt.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let bob: CallContext;
let c: Catalog;
let shared: string;
let privateNet: string;

before(async () => {
  env = await startTestEnv();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:vm-definition');
  await env.account('bob');
  const b = await env.rt.store.db
    .selectFrom('accounts')
    .select('id')
    .where('name', '=', 'bob')
    .executeTakeFirstOrThrow();
  bob = { ...ctx, accountId: b.id, accountName: 'bob' };
  shared = (await env.cs.ok('listNetworks', { type: 'Shared', zoneid: c.zone.id })).network[0].id;
  privateNet = await addNetwork(env, 'alice', c.zone.id, { name: 'back', range: ['10.0.0.10', '10.0.0.20'] });
});
after(async () => {
  await env.close();
});

const check = receiptChecker(
  () => env,
  () => ctx,
);

/** Asserts that call fails with this core error kind and reason. */
async function refused(call: () => Promise<unknown>, kind: string, reason: string): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof CoreError, String(e));
    assert.equal(`${e.kind}/${e.reason}`, `${kind}/${reason}`, e.message);
    return true;
  });
}

/** Waits for an asynchronous receipt's task and asserts it succeeded. */
async function done(r: TaskReceipt): Promise<void> {
  const t = await core.deps.tasks.wait(r.taskId, 10_000);
  assert.equal(t?.status, 'SUCCESS', t?.error ?? undefined);
}

/** The CloudStack view of one of alice's VMs by name. */
async function csVm(name: string): Promise<any> {
  const res = await env.cs.ok('listVirtualMachines', { name });
  return res.virtualmachine?.[0];
}

/** Defines a 1-vCPU VM with one 10 GB disk and a NIC on the shared network; returns its id. */
async function defineSmall(name: string): Promise<string> {
  const { objectId } = await core.vms.define(ctx, { name, cpuCount: 1, memoryMb: 512, templateId: c.template.id });
  await core.vms.disks.add(ctx, objectId, 1, { sizeMb: 10240 });
  await core.nics.defined.add(ctx, objectId, 1, { networkId: shared });
  return objectId;
}

test('define → disks → NICs → deploy runs the VM; undeploy returns it to its definition with its addresses; deleteDefinition removes it', async () => {
  const def = await check('vms.define', () =>
    core.vms.define(ctx, { name: 'web01', displayName: 'Web', cpuCount: 1, memoryMb: 512, note: 'first' }),
  );
  const id = def.objectId;
  let vm = await core.vms.get(ctx, id);
  assert.equal(vm.state, 'defined');
  assert.equal(vm.hostId, null);
  assert.equal((await core.vms.byNameOrId(ctx, 'web01')).id, id);
  assert.equal((await core.vms.byNameOrId(ctx, id)).name, 'web01');
  assert.equal((await csVm('web01')).state, 'Stopped', 'CloudStack shows a definition as Stopped');
  const stopped = await env.cs.ok('listVirtualMachines', { state: 'Stopped' });
  assert.ok(stopped.virtualmachine.some((v: any) => v.id === id));

  await refused(() => core.vms.define(ctx, { name: 'web01', cpuCount: 1, memoryMb: 512 }), 'Conflict', 'exists');
  await refused(() => core.vms.deploy(ctx, id), 'Conflict', 'precondition');

  await check('vms.disks.add', () => core.vms.disks.add(ctx, id, 1, { sizeMb: 10240, templateId: c.template.id }));
  await refused(() => core.vms.disks.add(ctx, id, 1, { sizeMb: 1024 }), 'Conflict', 'exists');
  await refused(() => core.vms.disks.add(ctx, id, 3, { sizeMb: 1024 }), 'Invalid', 'bad_input');
  await core.vms.disks.add(ctx, id, 2, { sizeMb: 1024, model: 'scsi' });
  await check('vms.disks.update', () => core.vms.disks.update(ctx, id, 2, { sizeMb: 2048 }));
  let disks = await core.vms.disks.list(ctx, id);
  assert.deepEqual(
    disks.map((d) => [d.index, d.type, d.sizeMb, d.templateId, d.boot, d.model, d.state]),
    [
      [1, 'ROOT', 10240, c.template.id, true, 'virtio', 'Allocated'],
      [2, 'DATADISK', 2048, null, false, 'scsi', 'Allocated'],
    ],
  );

  await check('nics.defined.add', () => core.nics.defined.add(ctx, id, 1, { networkId: shared }));
  await refused(
    () => core.nics.defined.add(ctx, id, 2, { networkId: privateNet, ipAddress: '10.0.0.99' }),
    'Invalid',
    'bad_input',
  );
  await core.nics.defined.add(ctx, id, 2, { networkId: privateNet, ipAddress: '10.0.0.12', model: 'e1000' });
  vm = await core.vms.get(ctx, id);
  assert.equal(vm.nics.length, 2);
  assert.equal(vm.nics[0]!.isDefault, true);
  assert.equal(vm.nics[1]!.ipAddress, '10.0.0.12');
  const sharedIp = vm.nics[0]!.ipAddress;
  assert.ok(sharedIp);
  await check('vms.updateDefinition', () => core.vms.updateDefinition(ctx, id, { cpuCount: 2, note: 'second' }));
  const extras = (await core.vms.definitions(ctx, [vm])).get(id)!;
  assert.equal(extras.note, 'second');
  assert.equal(extras.nicModels.get(vm.nics[1]!.id), 'e1000');

  await done(await check('vms.deploy', () => core.vms.deploy(ctx, id)));
  vm = await core.vms.get(ctx, id);
  assert.equal(vm.state, 'running');
  assert.equal(vm.cpuCount, 2);
  assert.ok(vm.hostId);
  assert.equal((await csVm('web01')).state, 'Running');
  disks = await core.vms.disks.list(ctx, id);
  assert.deepEqual(
    disks.map((d) => d.state),
    ['Ready', 'Ready'],
  );

  await refused(() => core.vms.disks.add(ctx, id, 3, { sizeMb: 1024 }), 'Conflict', 'wrong_state');
  await refused(() => core.nics.defined.remove(ctx, id, 2), 'Conflict', 'wrong_state');
  await refused(() => core.vms.deleteDefinition(ctx, id), 'Conflict', 'wrong_state');
  await refused(() => core.vms.undeploy(ctx, id), 'Conflict', 'wrong_state');
  await refused(() => core.vms.deploy(ctx, id), 'Conflict', 'wrong_state');

  await done(await core.vms.stop(ctx, id));
  await done(await check('vms.undeploy', () => core.vms.undeploy(ctx, id)));
  vm = await core.vms.get(ctx, id);
  assert.equal(vm.state, 'defined');
  assert.equal(vm.hostId, null);
  assert.deepEqual(
    vm.nics.map((n) => n.ipAddress),
    [sharedIp, '10.0.0.12'],
    'the NICs keep their addresses',
  );
  assert.deepEqual(
    (await core.vms.disks.list(ctx, id)).map((d) => d.state),
    ['Allocated', 'Allocated'],
  );
  assert.equal((await csVm('web01')).state, 'Stopped');

  // core.vms.start of a definition deploys it, as CloudStack starts a never-started VM.
  await done(await core.vms.start(ctx, id));
  assert.equal((await core.vms.get(ctx, id)).state, 'running');
  await done(await core.vms.stop(ctx, id));
  await done(await core.vms.undeploy(ctx, id));

  await check('nics.defined.remove', () => core.nics.defined.remove(ctx, id, 2));
  await check('vms.disks.remove', () => core.vms.disks.remove(ctx, id, 2));
  await check('vms.deleteDefinition', () => core.vms.deleteDefinition(ctx, id));
  await refused(() => core.vms.get(ctx, id), 'NotFound', 'vm');
  await refused(() => core.vms.byNameOrId(ctx, 'web01'), 'NotFound', 'vm');
  assert.equal(await csVm('web01'), undefined);

  // The removed definition's addresses are free again.
  const again = await core.vms.define(ctx, { name: 'web01', cpuCount: 1, memoryMb: 512 });
  await core.nics.defined.add(ctx, again.objectId, 1, { networkId: privateNet, ipAddress: '10.0.0.12' });
  await core.vms.destroy(ctx, again.objectId);
  await refused(() => core.vms.get(ctx, again.objectId), 'NotFound', 'vm');
});

test('a definition is editable while defined or stopped, its NIC address must be free, and a quota counts it', async () => {
  const a = await defineSmall('edit-a');
  const b = await core.vms.define(ctx, { name: 'edit-b', cpuCount: 1, memoryMb: 256 });
  const ipA = (await core.vms.get(ctx, a)).nics[0]!.ipAddress!;
  await refused(
    () => core.nics.defined.add(ctx, b.objectId, 1, { networkId: shared, ipAddress: ipA }),
    'Invalid',
    'bad_input',
  );
  await refused(() => core.nics.defined.add(ctx, b.objectId, 2, { networkId: shared }), 'Invalid', 'bad_input');
  await core.nics.defined.add(ctx, b.objectId, 1, { networkId: privateNet });
  await core.nics.defined.update(ctx, b.objectId, 1, { ipAddress: '10.0.0.20', macAddress: '02:00:00:00:0a:0b' });
  const nb = (await core.vms.get(ctx, b.objectId)).nics[0]!;
  assert.deepEqual([nb.ipAddress, nb.macAddress], ['10.0.0.20', '02:00:00:00:0a:0b']);
  await refused(() => core.vms.disks.update(ctx, b.objectId, 1, { sizeMb: 1 }), 'NotFound', 'object');

  await done(await core.vms.deploy(ctx, a));
  await refused(() => core.vms.updateDefinition(ctx, a, { memoryMb: 1024 }), 'Conflict', 'wrong_state');
  await done(await core.vms.stop(ctx, a));
  await core.vms.updateDefinition(ctx, a, { memoryMb: 1024 });
  assert.equal((await core.vms.get(ctx, a)).memoryMb, 1024);

  await core.quotas.set('alice', { vms: 2 });
  await assert.rejects(
    () => core.vms.define(ctx, { name: 'edit-c', cpuCount: 1, memoryMb: 256 }),
    (e: unknown) => e instanceof CoreError && e.kind === 'QuotaExceeded',
  );
  await core.vms.deleteDefinition(ctx, b.objectId);
  await core.vms.define(ctx, { name: 'edit-c', cpuCount: 1, memoryMb: 256 });
  await core.quotas.set('alice', { vms: null });
});

test("another account's definition is not found, and its name is free for others", async () => {
  const id = await defineSmall('iso-1');
  await refused(() => core.vms.byNameOrId(bob, 'iso-1'), 'NotFound', 'vm');
  await refused(() => core.vms.byNameOrId(bob, id), 'NotFound', 'vm');
  await refused(() => core.vms.deploy(bob, id), 'NotFound', 'vm');
  await refused(() => core.vms.disks.add(bob, id, 2, { sizeMb: 1024 }), 'NotFound', 'vm');
  await refused(() => core.vms.disks.list(bob, id), 'NotFound', 'vm');
  await refused(() => core.nics.defined.add(bob, id, 2, { networkId: shared }), 'NotFound', 'vm');
  await refused(() => core.vms.updateDefinition(bob, id, { cpuCount: 2 }), 'NotFound', 'vm');
  await refused(() => core.vms.deleteDefinition(bob, id), 'NotFound', 'vm');
  await refused(() => core.vms.undeploy(bob, id), 'NotFound', 'vm');
  const theirs = await core.vms.define(bob, { name: 'iso-1', cpuCount: 1, memoryMb: 256 });
  assert.notEqual(theirs.objectId, id);
  assert.equal((await core.vms.get(ctx, id)).state, 'defined');
});

test('a deploy that fails to start returns the VM to its definition, with its disks and addresses', async () => {
  const id = await defineSmall('fail-1');
  const ip = (await core.vms.get(ctx, id)).nics[0]!.ipAddress;
  await core.hosts.addFault({ kind: 'fail_next_start', vmId: id });
  const r = await core.vms.deploy(ctx, id);
  const t = await core.deps.tasks.wait(r.taskId, 10_000);
  assert.equal(t?.status, 'FAILURE');
  const vm = await core.vms.get(ctx, id);
  assert.deepEqual([vm.state, vm.hostId, vm.nics[0]!.ipAddress], ['defined', null, ip]);
  assert.deepEqual(
    (await core.vms.disks.list(ctx, id)).map((d) => d.state),
    ['Allocated'],
  );
  await done(await core.vms.deploy(ctx, id));
  assert.equal((await core.vms.get(ctx, id)).state, 'running');
});
