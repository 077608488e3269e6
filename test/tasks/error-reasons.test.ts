/** A failed task keeps its error's reason in the tasks.error column; rows stored before reasons existed still read back. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import type { CallContext } from '../../src/lib/context.js';

let env: TestEnv;
let ctx: CallContext;
before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('reasons');
  ctx = {
    accountId: a.account.id,
    accountName: 'reasons',
    userId: a.user.id,
    isAdmin: false,
    requestId: 't',
    origin: 'test:deploy',
  };
});
after(async () => {
  await env.close();
});

/** Deploys a VM and waits for its task; returns the task id. */
async function deployAndWait(): Promise<string> {
  const zone = (await env.rt.core.catalog.listZones())[0]!;
  const offering = (await env.rt.core.catalog.listServiceOfferings())[0]!;
  const tpl = await env.rt.store.db
    .selectFrom('templates')
    .select('id')
    .where('public', '=', 1)
    .executeTakeFirstOrThrow();
  const {
    receipt: { taskId },
  } = await env.rt.core.vms.create(ctx, {
    zoneId: zone.id,
    offeringId: offering.id,
    templateId: tpl.id,
  });
  await env.rt.core.jobs.wait(ctx, taskId, 10_000);
  return taskId;
}

test("a task that fails keeps its error's kind and reason, stored as JSON and read back by the jobs service", async () => {
  await env.rt.core.hosts.addFault({ kind: 'fail_next_start' });
  const taskId = await deployAndWait();
  const row = await env.rt.store.db
    .selectFrom('tasks')
    .select(['status', 'error'])
    .where('id', '=', taskId)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, 'FAILURE');
  assert.deepEqual(JSON.parse(row.error!), {
    kind: 'Internal',
    reason: 'failed',
    message: JSON.parse(row.error!).message,
    fields: {},
  });
  assert.match(JSON.parse(row.error!).message, /^Simulated fault: start of VM/);
  const job = await env.rt.core.jobs.get(ctx, taskId);
  assert.deepEqual([job.error?.kind, job.error?.reason], ['Internal', 'failed']);
});

test("an error row without a reason (stored before reasons existed) or with an unknown one reads back with its kind's default reason", async () => {
  const taskId = await deployAndWait();
  const cases: Array<[string, string, string, string]> = [
    ['{"kind":"Conflict","message":"old busy row","fields":{}}', 'Conflict', 'busy', 'old busy row'],
    ['{"kind":"NotFound","message":"volume v not found"}', 'NotFound', 'object', 'volume v not found'],
    ['{"kind":"Internal","message":"Internal error","fields":{}}', 'Internal', 'unexpected', 'Internal error'],
    ['{"kind":"Conflict","reason":"no_such_reason","message":"m"}', 'Conflict', 'busy', 'm'],
    [
      '{"kind":"Conflict","reason":"limit","message":"a reason of another kind"}',
      'Conflict',
      'busy',
      'a reason of another kind',
    ],
    ['{"kind":"Bogus","reason":"exists","message":"m"}', 'Internal', 'unexpected', 'm'],
    ['{"kind":"Conflict","reason":"exists","message":"kept"}', 'Conflict', 'exists', 'kept'],
  ];
  for (const [stored, kind, reason, message] of cases) {
    await env.rt.store.db
      .updateTable('tasks')
      .set({ status: 'FAILURE', error: stored })
      .where('id', '=', taskId)
      .execute();
    const job = await env.rt.core.jobs.get(ctx, taskId);
    assert.deepEqual([job.error?.kind, job.error?.reason, job.error?.message], [kind, reason, message], stored);
  }
});
