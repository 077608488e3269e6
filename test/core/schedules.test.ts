import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { createRuntime } from '../../src/runtime.js';
import { aliceContext } from '../support/receipts.js';
import { catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';
import type { TaskReceipt } from '../../src/core/receipt.js';
import { CoreError } from '../../src/lib/errors.js';
import { Scheduler, type Firing } from '../../src/core/schedules/scheduler.js';

const HOUR = 3600_000;
let env: TestEnv;
let core: Core;
let ctx: CallContext;
let bobCtx: CallContext;
let c: Catalog;

before(async () => {
  env = await startTestEnv();
  // The test moves time itself: the runtime's own timer must not fire anything meanwhile.
  await env.rt.scheduler.stop();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:schedules');
  await env.account('bob');
  const bob = await env.rt.store.db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', 'bob')
    .executeTakeFirstOrThrow();
  bobCtx = { ...ctx, accountId: bob.id, accountName: bob.name };
});
after(async () => {
  await env.close();
});

async function done(receipt: TaskReceipt | undefined): Promise<void> {
  assert.ok(receipt, 'the firing started a task');
  const task = await core.deps.tasks.wait(receipt.taskId, 10_000);
  assert.equal(task?.status, 'SUCCESS', task?.error ?? 'task did not finish');
}

async function stoppedVm(): Promise<string> {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: false,
  });
  await done(receipt);
  return receipt.objectId;
}

async function rejects(call: () => Promise<unknown>, kind: string, reason: string, field?: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof CoreError, String(err));
    assert.equal(`${err.kind}/${err.reason}`, `${kind}/${reason}`, err.message);
    if (field) assert.ok(field in err.fields, `${field} named in ${JSON.stringify(err.fields)}`);
    return true;
  });
}

/** Ticks at `at` and waits for every task the tick started. */
async function tickAt(at: number): Promise<Firing[]> {
  const fired = await env.rt.scheduler.tick(new Date(at));
  for (const f of fired) if (f.receipt) await done(f.receipt);
  return fired;
}

test('a snapshot definition fires once per due time as a task of its owner and keeps `retention` snapshots', async () => {
  const vm = await stoppedVm();
  const { definition: def } = await core.schedules.create(ctx, 'snapshot', vm, {
    name: 'hourly',
    schedule: '0 * * * *',
    retention: 2,
    description: 'every hour',
  });
  assert.equal(def.diskIndex, 1);
  assert.equal(def.active, true);
  const due = Date.parse(def.nextRunAt);
  assert.equal(due % HOUR, 0, 'next run at a whole hour');
  assert.ok(due > Date.now() && due <= Date.now() + HOUR);

  assert.deepEqual(await tickAt(due - 1000), [], 'nothing is due a second early');
  const [first, ...others] = await tickAt(due);
  assert.equal(others.length, 0);
  assert.equal(first!.definitionId, def.id);
  assert.equal(first!.error, undefined);
  assert.deepEqual(await tickAt(due), [], 'the same due time fires once');
  assert.equal((await core.schedules.get(ctx, 'snapshot', vm, 'hourly')).nextRunAt, new Date(due + HOUR).toISOString());

  const task = await env.rt.store.db
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', first!.receipt!.taskId)
    .executeTakeFirstOrThrow();
  assert.equal(task.account_id, ctx.accountId, "the task is the definition owner's");
  const mine = async () => (await core.snapshots.list(ctx)).items.filter((s) => s.definitionId === def.id);
  const [snap] = await mine();
  assert.equal(snap!.state, 'BackedUp');
  assert.match(snap!.name, /^hourly-/);

  await tickAt(due + HOUR);
  assert.equal((await mine()).length, 2);
  const third = (await tickAt(due + 2 * HOUR)).find((f) => f.definitionId === def.id);
  assert.deepEqual(third!.pruned, [snap!.id], 'the oldest beyond retention is deleted');
  const left = await mine();
  assert.equal(left.length, 2);
  assert.ok(!left.some((s) => s.id === snap!.id));
  // A snapshot taken by hand is not the definition's: retention never touches it.
  const vols = await core.volumes.list(ctx, { vmId: vm });
  const manual = await core.snapshots.create(ctx, vols.items[0]!.id, 'by-hand');
  await done(manual);
  await tickAt(due + 3 * HOUR);
  assert.equal((await core.snapshots.get(ctx, manual.objectId)).state, 'BackedUp');
  assert.equal((await mine()).length, 2);
});

test('concurrent ticks and two schedulers on one database fire a due definition once', async () => {
  const vm = await stoppedVm();
  const { definition: def } = await core.schedules.create(ctx, 'snapshot', vm, {
    name: 'race',
    schedule: '*/5 * * * *',
    retention: 10,
  });
  const other = new Scheduler(core);
  const at = new Date(Date.parse(def.nextRunAt) + 60_000);
  const results = await Promise.all([
    env.rt.scheduler.tick(at),
    other.tick(at),
    env.rt.scheduler.tick(at),
    other.tick(at),
  ]);
  const fired = results.flat().filter((f) => f.definitionId === def.id);
  assert.equal(fired.length, 1);
  await done(fired[0]!.receipt);
  const snaps = (await core.snapshots.list(ctx)).items.filter((s) => s.definitionId === def.id);
  assert.equal(snaps.length, 1);
});

test('two definitions due at once on one disk both fire: the one that finds the disk busy is tried again on the next tick', async () => {
  const vm = await stoppedVm();
  const { definition: a } = await core.schedules.create(ctx, 'snapshot', vm, {
    name: 'first',
    schedule: '0 3 * * *',
    retention: 5,
  });
  const { definition: b } = await core.schedules.create(ctx, 'snapshot', vm, {
    name: 'second',
    schedule: '0 3 * * *',
    retention: 5,
  });
  const at = Date.parse(a.nextRunAt);
  const fired = (await tickAt(at)).filter((f) => f.definitionId === a.id || f.definitionId === b.id);
  assert.equal(fired.length, 2);
  const busy = fired.filter((f) => f.retry);
  if (busy.length > 0) {
    assert.equal(busy.length, 1);
    const again = (await tickAt(at + 1000)).filter((f) => f.definitionId === busy[0]!.definitionId);
    assert.equal(again.length, 1);
    assert.ok(again[0]!.receipt);
  }
  const mine = (await core.snapshots.list(ctx)).items.filter((s) => s.definitionId === a.id || s.definitionId === b.id);
  assert.equal(mine.length, 2);
  assert.equal(
    (await core.schedules.get(ctx, 'snapshot', vm, 'second')).nextRunAt,
    new Date(at + 24 * HOUR).toISOString(),
  );
});

test(
  'two processes on one PostgreSQL database fire a due definition once',
  { skip: TEST_DB !== 'postgres' },
  async () => {
    const vm = await stoppedVm();
    const { definition: def } = await core.schedules.create(ctx, 'snapshot', vm, {
      name: 'two-procs',
      schedule: '*/15 * * * *',
      retention: 10,
    });
    const other = await createRuntime(env.config, { masterKey: env.masterKey, log: pino({ level: 'silent' }) });
    try {
      const at = new Date(Date.parse(def.nextRunAt) + 1000);
      const results = await Promise.all([
        env.rt.scheduler.tick(at),
        other.scheduler.tick(at),
        env.rt.scheduler.tick(at),
        other.scheduler.tick(at),
      ]);
      const fired = results.flat().filter((f) => f.definitionId === def.id && f.receipt);
      assert.equal(fired.length, 1);
      await done(fired[0]!.receipt);
    } finally {
      await other.close();
    }
    const snaps = (await core.snapshots.list(ctx)).items.filter((s) => s.definitionId === def.id);
    assert.equal(snaps.length, 1);
  },
);

test('a started scheduler fires due definitions on its own timer until stopped', async () => {
  const vm = await stoppedVm();
  const { definition: def } = await core.schedules.create(ctx, 'snapshot', vm, {
    name: 'timer',
    schedule: '0 0 1 1 *',
    retention: 5,
  });
  // Make it due now, as if its time had come.
  await env.rt.store.db
    .updateTable('disk_schedules')
    .set({ next_run_at: new Date(Date.now() - 1000).toISOString() })
    .where('id', '=', def.id)
    .execute();
  const timer = new Scheduler(core, { intervalMs: 20 });
  timer.start();
  try {
    let mine: unknown[] = [];
    for (let i = 0; i < 500 && mine.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      mine = (await core.snapshots.list(ctx)).items.filter((s) => s.definitionId === def.id);
    }
    assert.equal(mine.length, 1, 'the timer fired the due definition');
  } finally {
    await timer.stop();
  }
  const after = await core.schedules.get(ctx, 'snapshot', vm, 'timer');
  assert.ok(Date.parse(after.nextRunAt) > Date.now(), 'the next run is in the future');
});

test('a backup definition fires real backups and keeps `retention` of them', async () => {
  const vm = await stoppedVm();
  const { definition: def } = await core.schedules.create(ctx, 'backup', vm, {
    name: 'daily',
    schedule: '30 2 * * *',
    retention: 1,
    options: { compression: 1 },
  });
  assert.deepEqual(def.options, { compression: 1 });
  const due = Date.parse(def.nextRunAt);
  assert.equal(new Date(due).toISOString().slice(11), '02:30:00.000Z');
  await tickAt(due);
  const [b1] = await core.backups.list(ctx, { vmId: vm });
  assert.equal(b1!.definitionName, 'daily');
  assert.equal(b1!.state, 'ok');
  const second = (await tickAt(due + 24 * HOUR)).find((f) => f.definitionId === def.id);
  assert.equal(second!.error, undefined);
  assert.deepEqual(second!.pruned, [b1!.id]);
  const left = await core.backups.list(ctx, { vmId: vm });
  assert.equal(left.length, 1);
  assert.notEqual(left[0]!.id, b1!.id);
  assert.deepEqual(
    (await core.schedules.list(ctx, 'backup', { vmId: vm })).map((d) => d.name),
    ['daily'],
  );
  assert.deepEqual(await core.schedules.list(ctx, 'snapshot', { vmId: vm }), []);
});

test('definitions: update, deactivate, delete; refusals; another account sees nothing', async () => {
  const vm = await stoppedVm();
  await core.schedules.create(ctx, 'snapshot', vm, { name: 'often', schedule: '*/10 * * * *', retention: 3 });
  await rejects(
    () => core.schedules.create(ctx, 'snapshot', vm, { name: 'often', schedule: '* * * * *', retention: 1 }),
    'Conflict',
    'exists',
  );
  // The same name may be used by a backup definition.
  await core.schedules.create(ctx, 'backup', vm, { name: 'often', schedule: '0 0 * * *', retention: 1 });
  await rejects(
    () => core.schedules.create(ctx, 'snapshot', vm, { name: 'bad', schedule: '61 * * * *', retention: 1 }),
    'Invalid',
    'bad_input',
    'schedule',
  );
  await rejects(
    () => core.schedules.create(ctx, 'snapshot', vm, { name: 'bad', schedule: '* * * * * *', retention: 1 }),
    'Invalid',
    'bad_input',
    'schedule',
  );
  await rejects(
    () => core.schedules.create(ctx, 'snapshot', vm, { name: 'bad', schedule: '* * * * *', retention: -1 }),
    'Invalid',
    'bad_input',
    'retention',
  );
  await rejects(
    () =>
      core.schedules.create(ctx, 'snapshot', vm, { name: 'bad', schedule: '* * * * *', retention: 1, diskIndex: 3 }),
    'Invalid',
    'bad_input',
    'diskIndex',
  );

  const { definition: moved } = await core.schedules.update(ctx, 'snapshot', vm, 'often', {
    schedule: '15 4 * * *',
    retention: 5,
    description: 'at 04:15',
  });
  assert.equal(moved.schedule, '15 4 * * *');
  assert.equal(moved.retention, 5);
  assert.equal(moved.description, 'at 04:15');
  assert.equal(new Date(moved.nextRunAt).toISOString().slice(11), '04:15:00.000Z');

  await core.schedules.update(ctx, 'snapshot', vm, 'often', { active: false });
  assert.deepEqual(
    (await tickAt(Date.parse(moved.nextRunAt) + HOUR)).filter((f) => f.definitionId === moved.id),
    [],
    'an inactive definition does not fire',
  );

  await rejects(() => core.schedules.get(bobCtx, 'snapshot', vm, 'often'), 'NotFound', 'vm');
  assert.deepEqual(await core.schedules.list(bobCtx, 'snapshot'), []);
  await rejects(
    () => core.schedules.create(bobCtx, 'snapshot', vm, { name: 'x', schedule: '* * * * *', retention: 1 }),
    'NotFound',
    'vm',
  );

  await core.schedules.remove(ctx, 'snapshot', vm, 'often');
  await rejects(() => core.schedules.get(ctx, 'snapshot', vm, 'often'), 'NotFound', 'object');
  assert.equal((await core.schedules.get(ctx, 'backup', vm, 'often')).name, 'often');
});
