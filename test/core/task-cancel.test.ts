/** Cancelling tasks (core.jobs.cancel, core.jobs.pending): pending and running tasks end REVOKED and leave their VM valid. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { freshDatabase, startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { loadConfig } from '../../src/config.js';
import { MasterKey } from '../../src/core/accounts/secrets.js';
import { aliceContext } from '../support/receipts.js';
import { catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { createRuntime } from '../../src/runtime.js';
import { CoreError } from '../../src/lib/errors.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let c: Catalog;

// One worker, so a second task waits PENDING while the first runs; every sim power transition takes 2 s. The lease is
// long, so its heartbeat (a third of it) never runs during a test: a cancel from another process must arrive as the
// cancel notification.
before(async () => {
  env = await startTestEnv({ NUBE_SIM_DELAY_MS: '2000', NUBE_WORKERS: '1', NUBE_TASK_LEASE_MS: '600000' });
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:task-cancel');
});
after(async () => {
  await env.close();
});

/** A stopped VM of alice (a create without start needs no driver transition). */
async function stoppedVm(): Promise<string> {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: false,
  });
  const job = await core.jobs.wait(ctx, receipt.taskId, 10_000);
  assert.equal(job.status, 'SUCCESS');
  return receipt.objectId;
}

/** Waits until the task has been claimed by a runner. */
async function started(taskId: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await core.jobs.get(ctx, taskId)).status === 'STARTED') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`task ${taskId} never started`);
}

/** The statuses of the task's log entries, oldest first. */
async function logOf(taskId: string): Promise<string[]> {
  const page = await core.tasks.log(ctx, { taskId }, {});
  return page.items.map((e) => e.status);
}

/** The sim driver's power of the VM ('absent' when it has no domain). */
async function simPower(vmId: string): Promise<string> {
  const dom = await env.rt.store.db
    .selectFrom('sim_domains')
    .select('power')
    .where('vm_id', '=', vmId)
    .executeTakeFirst();
  return dom?.power ?? 'absent';
}

test('a pending start is revoked at once; a running start is aborted; both VMs end stopped and start again', async () => {
  const a = await stoppedVm();
  const b = await stoppedVm();
  const startA = await core.vms.start(ctx, a);
  await started(startA.taskId);
  const startB = await core.vms.start(ctx, b);
  assert.equal((await core.jobs.get(ctx, startB.taskId)).status, 'PENDING', 'the only worker is busy with A');
  const open = await core.jobs.pending(ctx, { zoneId: c.zone.id });
  assert.deepEqual(
    open.map((j) => j.id),
    [startA.taskId, startB.taskId],
    'both starts are pending',
  );

  const cancelledB = await core.jobs.cancel(ctx, startB.taskId);
  assert.equal(cancelledB.status, 'REVOKED', 'a pending task is revoked at once');
  assert.equal((await core.vms.get(ctx, b)).state, 'stopped');
  assert.deepEqual(await logOf(startB.taskId), ['PENDING', 'REVOKED']);

  await core.jobs.cancel(ctx, startA.taskId);
  const revokedA = await core.jobs.wait(ctx, startA.taskId, 10_000);
  assert.equal(revokedA.status, 'REVOKED', 'a running start is revoked');
  assert.equal(revokedA.error?.reason, 'cancelled');
  const vmA = await core.vms.get(ctx, a);
  assert.equal(vmA.state, 'stopped', 'the VM whose start was cancelled is stopped');
  assert.equal(vmA.hostId, null, 'its host is released');
  assert.notEqual(await simPower(a), 'running', 'the driver did not leave it running');
  assert.deepEqual(await logOf(startA.taskId), ['PENDING', 'REVOKED']);
  assert.deepEqual(await core.jobs.pending(ctx), [], 'nothing left pending');

  for (const id of [a, b]) {
    const again = await core.vms.start(ctx, id);
    assert.equal((await core.jobs.wait(ctx, again.taskId, 20_000)).status, 'SUCCESS', 'a following start works');
    assert.equal((await core.vms.get(ctx, id)).state, 'running');
    assert.equal(await simPower(id), 'running');
  }
});

test('a cancelled stop leaves the VM running as the driver reports it, and a following stop works', async () => {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: true,
  });
  assert.equal((await core.jobs.wait(ctx, receipt.taskId, 20_000)).status, 'SUCCESS');
  const stop = await core.vms.stop(ctx, receipt.objectId);
  await started(stop.taskId);
  await core.jobs.cancel(ctx, stop.taskId);
  assert.equal((await core.jobs.wait(ctx, stop.taskId, 10_000)).status, 'REVOKED');
  assert.equal((await core.vms.get(ctx, receipt.objectId)).state, 'running');
  assert.equal(await simPower(receipt.objectId), 'running');
  const again = await core.vms.stop(ctx, receipt.objectId, true);
  assert.equal((await core.jobs.wait(ctx, again.taskId, 20_000)).status, 'SUCCESS');
  assert.equal((await core.vms.get(ctx, receipt.objectId)).state, 'stopped');
});

test('a cancelled create leaves no VM behind', async () => {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: true,
  });
  await started(receipt.taskId);
  await core.jobs.cancel(ctx, receipt.taskId, { force: true });
  assert.equal((await core.jobs.wait(ctx, receipt.taskId, 10_000)).status, 'REVOKED');
  await assert.rejects(core.vms.get(ctx, receipt.objectId), (e: CoreError) => e.kind === 'NotFound');
  assert.equal(await simPower(receipt.objectId), 'absent', 'no domain left on the host');
  assert.deepEqual(await logOf(receipt.taskId), ['PENDING', 'REVOKED']);
});

test('a finished task cannot be cancelled; another account cannot see or cancel alice’s tasks', async () => {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: false,
  });
  await core.jobs.wait(ctx, receipt.taskId, 10_000);
  await assert.rejects(
    core.jobs.cancel(ctx, receipt.taskId),
    (e: CoreError) => e.kind === 'Conflict' && e.reason === 'wrong_state' && e.message === 'Task cannot be canceled',
  );
  assert.deepEqual(await logOf(receipt.taskId), ['PENDING', 'SUCCESS'], 'the log is unchanged');

  await env.account('bob');
  const bob = { ...ctx, accountId: (await bobAccount()).id, accountName: 'bob' };
  const start = await core.vms.start(ctx, receipt.objectId);
  await assert.rejects(core.jobs.cancel(bob, start.taskId), (e: CoreError) => e.kind === 'NotFound');
  assert.deepEqual(await core.jobs.pending(bob), [], 'bob sees none of alice’s tasks');
  assert.equal((await core.jobs.wait(ctx, start.taskId, 20_000)).status, 'SUCCESS', 'alice’s start went on');
});

test(
  'a start running in one process is cancelled from another sharing the database',
  { skip: TEST_DB !== 'postgres' },
  async () => {
    const other = await createRuntime(env.config, { log: pino({ level: 'silent' }), masterKey: env.masterKey });
    try {
      const id = await stoppedVm();
      const start = await core.vms.start(ctx, id);
      await started(start.taskId);
      const seen = await other.core.jobs.cancel(ctx, start.taskId);
      assert.ok(['STARTED', 'REVOKED'].includes(seen.status));
      assert.equal((await other.core.jobs.wait(ctx, start.taskId, 10_000)).status, 'REVOKED');
      assert.equal((await core.vms.get(ctx, id)).state, 'stopped');
      assert.deepEqual(await logOf(start.taskId), ['PENDING', 'REVOKED']);
    } finally {
      await other.close();
    }
  },
);

test('a task cancelled while its runner is dead is settled by the next runner, never run again', async () => {
  const db = await freshDatabase();
  const config = loadConfig({ NUBE_LISTEN: '127.0.0.1:0', NUBE_TASK_LEASE_MS: '300', ...db.env });
  const key = MasterKey.ephemeral();
  const log = pino({ level: 'silent' });
  try {
    const rt1 = await createRuntime(config, { log, masterKey: key });
    const acct = await rt1.core.accounts.createAccount('ghost');
    const own = { ...ctx, accountId: acct.account.id, accountName: 'ghost', userId: acct.user.id };
    const { receipt } = await rt1.core.vms.create(own, {
      zoneId: (await rt1.core.catalog.listZones())[0]!.id,
      offeringId: (await rt1.core.catalog.listServiceOfferings())[0]!.id,
      templateId: (await rt1.store.db.selectFrom('templates').select('id').executeTakeFirstOrThrow()).id,
    });
    // A worker claimed the create and died: STARTED with an expired lease of another owner.
    await rt1.store.db
      .updateTable('tasks')
      .set({ status: 'STARTED', lease_owner: 'dead-worker', lease_until: Date.now() - 1000, attempts: 1 })
      .where('id', '=', receipt.taskId)
      .execute();
    assert.equal((await rt1.core.jobs.cancel(own, receipt.taskId)).status, 'STARTED', 'asked of its runner');
    await rt1.close();

    const rt2 = await createRuntime(config, { log, masterKey: key, startEngine: true });
    try {
      assert.equal((await rt2.core.jobs.wait(own, receipt.taskId, 10_000)).status, 'REVOKED');
      await assert.rejects(rt2.core.vms.get(own, receipt.objectId), (e: CoreError) => e.kind === 'NotFound');
      const entries = await rt2.core.tasks.log(own, { taskId: receipt.taskId }, {});
      assert.deepEqual(
        entries.items.map((e) => e.status),
        ['PENDING', 'REVOKED'],
      );
    } finally {
      await rt2.close();
    }
  } finally {
    await db.drop();
  }
});

async function bobAccount(): Promise<{ id: string }> {
  return env.rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow();
}
