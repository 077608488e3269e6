import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { aliceContext } from '../support/receipts.js';
import { catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';
import type { TaskReceipt } from '../../src/core/receipt.js';
import { CoreError } from '../../src/lib/errors.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let c: Catalog;

before(async () => {
  env = await startTestEnv();
  await env.rt.scheduler.stop();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:vm-snapshots');
});
after(async () => {
  await env.close();
});

async function done(receipt: TaskReceipt): Promise<void> {
  const task = await core.deps.tasks.wait(receipt.taskId, 10_000);
  assert.equal(task?.status, 'SUCCESS', task?.error ?? 'task did not finish');
}

test('VM snapshots by disk and name are the core snapshots CloudStack lists: take, note, roll back when stopped, delete', async () => {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: true,
  });
  await done(receipt);
  const vm = receipt.objectId;
  const root = (await core.volumes.list(ctx, { vmId: vm })).items[0]!.id;
  const before = Buffer.from('snapshot me');
  await core.volumes.write(ctx, root, 0, before);

  await done(await core.vmSnapshots.create(ctx, vm, { name: 'snap1', note: 'clean' }));
  await assert.rejects(
    () => core.vmSnapshots.create(ctx, vm, { name: 'snap1' }),
    (e: unknown) => e instanceof CoreError && e.reason === 'exists',
  );
  const snap = await core.vmSnapshots.get(ctx, vm, 'snap1');
  assert.equal(snap.diskIndex, 1);
  assert.equal(snap.note, 'clean');
  assert.equal(snap.definitionName, null);
  const cs = await env.cs.ok('listSnapshots', { id: snap.id });
  assert.equal(cs.snapshot[0].name, 'snap1', 'CloudStack lists the same snapshot');

  await core.vmSnapshots.setNote(ctx, vm, 'snap1', 'changed');
  assert.equal((await core.vmSnapshots.get(ctx, vm, 'snap1')).note, 'changed');

  await core.volumes.write(ctx, root, 0, Buffer.alloc(before.length, 0x41));
  await assert.rejects(
    () => core.vmSnapshots.rollback(ctx, vm, 'snap1'),
    (e: unknown) => e instanceof CoreError && e.reason === 'wrong_state',
  );
  await done(await core.vms.stop(ctx, vm, true));
  await done(await core.vmSnapshots.rollback(ctx, vm, 'snap1'));
  assert.deepEqual(await core.volumes.read(ctx, root, 0, before.length), before);

  assert.equal((await core.vmSnapshots.list(ctx, vm, { type: 'manual' })).length, 1);
  assert.equal((await core.vmSnapshots.list(ctx, vm, { type: 'auto' })).length, 0);
  assert.equal((await core.vmSnapshots.list(ctx, vm, { diskIndex: 2 })).length, 0);
  await core.vmSnapshots.delete(ctx, vm, 'snap1');
  assert.deepEqual(await core.vmSnapshots.list(ctx, vm), []);
  await assert.rejects(
    () => core.vmSnapshots.get(ctx, vm, 'snap1'),
    (e: unknown) => e instanceof CoreError && e.kind === 'NotFound',
  );
});
