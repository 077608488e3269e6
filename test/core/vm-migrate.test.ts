import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { aliceContext } from '../support/receipts.js';
import { catalog, deploy, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';
import type { TaskReceipt } from '../../src/core/receipt.js';
import { CoreError } from '../../src/lib/errors.js';
import { enqueueTask } from '../../src/tasks/queue.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let c: Catalog;

before(async () => {
  env = await startTestEnv();
  await env.rt.scheduler.stop();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:vm-migrate');
});
after(async () => {
  await env.close();
});

async function settle(receipt: TaskReceipt): Promise<string> {
  const task = await core.deps.tasks.wait(receipt.taskId, 10_000);
  assert.ok(task, 'task did not finish');
  return task.status;
}

async function done(receipt: TaskReceipt): Promise<void> {
  assert.equal(await settle(receipt), 'SUCCESS');
}

async function newVm(start: boolean): Promise<string> {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start,
  });
  await done(receipt);
  return receipt.objectId;
}

async function host(id: string) {
  return (await core.hosts.list()).find((h) => h.id === id)!;
}

async function otherHost(current: string) {
  return (await core.hosts.list()).find((h) => h.zone_id === c.zone.id && h.id !== current)!;
}

const refusedAs = (kind: string, reason: string) => (e: unknown) =>
  e instanceof CoreError && e.kind === kind && e.reason === reason;

test('a running VM moves to the named host and keeps running; the old host gets its capacity back', async () => {
  const id = await newVm(true);
  const before = await core.vms.get(ctx, id);
  const oldHost = before.hostId!;
  const target = await otherHost(oldHost);
  const [oldUsed, targetUsed] = [Number((await host(oldHost)).mem_used), Number(target.mem_used)];

  await done(await core.vms.migrate(ctx, id, { hostId: target.id }));
  const after = await core.vms.get(ctx, id);
  assert.deepEqual([after.state, after.hostId], ['running', target.id]);
  assert.equal((await core.vms.liveStatus(after)).power, 'running');
  const mem = before.memoryMb * 1024 * 1024;
  assert.equal(Number((await host(oldHost)).mem_used), oldUsed - mem);
  assert.equal(Number((await host(target.id)).mem_used), targetUsed + mem);

  await done(await core.vms.stop(ctx, id));
  await done(await core.vms.start(ctx, id));
  assert.equal((await core.vms.get(ctx, id)).hostId, target.id, 'it starts again on the host it was moved to');
});

test('without a host the VM goes to another host of its zone; a stopped VM starts on the host it was moved to', async () => {
  const running = await newVm(true);
  const from = (await core.vms.get(ctx, running)).hostId!;
  await done(await core.vms.migrate(ctx, running));
  const moved = await core.vms.get(ctx, running);
  assert.notEqual(moved.hostId, from);
  assert.equal(moved.state, 'running');

  const stopped = await newVm(false);
  const target = await otherHost(moved.hostId!);
  await done(await core.vms.migrate(ctx, stopped, { hostId: target.id }));
  assert.equal((await core.vms.get(ctx, stopped)).state, 'stopped');
  await done(await core.vms.start(ctx, stopped));
  assert.equal((await core.vms.get(ctx, stopped)).hostId, target.id);
});

test('a failed move leaves the VM running on its old host', async () => {
  const id = await newVm(true);
  const oldHost = (await core.vms.get(ctx, id)).hostId!;
  const target = await otherHost(oldHost);
  await core.hosts.addFault({ kind: 'fail_next_start', hostId: target.id });
  assert.equal(await settle(await core.vms.migrate(ctx, id, { hostId: target.id })), 'FAILURE');
  const vm = await core.vms.get(ctx, id);
  assert.deepEqual([vm.state, vm.hostId], ['running', oldHost]);
  assert.equal((await core.vms.liveStatus(vm)).power, 'running');
  await core.hosts.clearFaults();
});

test('refusals: no other host up in the zone, the current host, a busy VM, another account', async () => {
  const id = await newVm(true);
  const current = (await core.vms.get(ctx, id)).hostId!;
  const others = (await core.hosts.list()).filter((h) => h.zone_id === c.zone.id && h.id !== current);
  for (const h of others) await core.hosts.setState(h.id, 'down');
  try {
    await assert.rejects(core.vms.migrate(ctx, id), (e: unknown) => {
      assert.ok(refusedAs('Unavailable', 'no_capacity')(e));
      assert.equal((e as CoreError).message, 'No other node with free resources in this zone');
      return true;
    });
  } finally {
    for (const h of others) await core.hosts.setState(h.id, 'up');
  }
  await assert.rejects(core.vms.migrate(ctx, id, { hostId: current }), refusedAs('Conflict', 'precondition'));

  // A slow graceful stop holds the VM while the migration is asked for.
  await core.hosts.addFault({ kind: 'latency', vmId: id, value: 2000 });
  const stop = await core.vms.stop(ctx, id);
  await assert.rejects(core.vms.migrate(ctx, id), refusedAs('Conflict', 'busy'));
  await done(stop);
  await core.hosts.clearFaults();

  const mallory = await core.accounts.createAccount('mallory');
  const other: CallContext = { ...ctx, accountId: mallory.account.id, accountName: 'mallory' };
  await assert.rejects(core.vms.migrate(other, id), refusedAs('NotFound', 'vm'));
});

test('a VM never moves onto a host that runs another member of its anti-affinity group', async () => {
  const g = (await env.cs.ok('createAntiAffinityGroup', { name: 'mig-ha' })).affinitygroup;
  const [a, b] = [
    (await deploy(env.cs, c, { name: 'mig-ha-a', affinitygroupids: g.id })).virtualmachine.id,
    (await deploy(env.cs, c, { name: 'mig-ha-b', affinitygroupids: g.id })).virtualmachine.id,
  ];
  const hostB = (await core.vms.get(ctx, b)).hostId!;
  await assert.rejects(core.vms.migrate(ctx, a, { hostId: hostB }), refusedAs('Conflict', 'precondition'));
  // With only B's host left besides its own, A has nowhere to go.
  const hostA = (await core.vms.get(ctx, a)).hostId!;
  const others = (await core.hosts.list()).filter((h) => h.zone_id === c.zone.id && h.id !== hostA && h.id !== hostB);
  for (const h of others) await core.hosts.setState(h.id, 'down');
  try {
    await assert.rejects(core.vms.migrate(ctx, a), refusedAs('Unavailable', 'no_capacity'));
  } finally {
    for (const h of others) await core.hosts.setState(h.id, 'up');
  }
  await done(await core.vms.migrate(ctx, a));
  assert.ok(![hostA, hostB].includes((await core.vms.get(ctx, a)).hostId!));
});

test('a migration run again after a crash, with the VM already on its target, just finishes', async () => {
  const id = await newVm(true);
  const vm = await core.vms.get(ctx, id);
  const used = Number((await host(vm.hostId!)).mem_used);
  // The task as a crashed run leaves it: the move recorded, the task still open.
  const taskId = await env.rt.store.tx((trx) =>
    enqueueTask(env.rt.store, trx, {
      kind: 'vm.migrate',
      objectType: 'virtual machine',
      objectId: id,
      payload: { hostId: vm.hostId, from: 'running' },
      ctx,
    }),
  );
  core.deps.tasks.wake();
  await done({ taskId, objectId: id });
  const after = await core.vms.get(ctx, id);
  assert.deepEqual([after.state, after.hostId], ['running', vm.hostId]);
  assert.equal((await core.vms.liveStatus(after)).power, 'running');
  assert.equal(Number((await host(vm.hostId!)).mem_used), used, 'capacity is not counted twice');
});
