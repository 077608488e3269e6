/** The dialect kit's awaitTask: one rule for how a waited-for task ended (done, failed, REVOKED as cancelled, timeout). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { awaitTask } from '../../../src/dialects/shared/await-task.js';
import { contextFor } from '../../../src/dialects/shared/context.js';
import type { CallContext } from '../../../src/lib/context.js';

let env: TestEnv;
let ctx: CallContext;
before(async () => {
  env = await startTestEnv();
  const db = env.rt.store.db;
  const account = await db.selectFrom('accounts').selectAll().where('name', '=', 'alice').executeTakeFirstOrThrow();
  const user = await db.selectFrom('users').selectAll().where('account_id', '=', account.id).executeTakeFirstOrThrow();
  ctx = contextFor({ account, user }, { id: 'req-1' }, 'test:await');
});
after(async () => {
  await env.close();
});

/** Deploys a VM through CloudStack and returns its (finished) task id. */
async function deployTask(name: string): Promise<string> {
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const job = await env.cs.job('deployVirtualMachine', {
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
    name,
  });
  return job.jobid;
}

test("contextFor gives the caller's account, user, admin flag, request id and origin", () => {
  assert.equal(ctx.accountName, 'alice');
  assert.equal(ctx.isAdmin, false);
  assert.equal(ctx.requestId, 'req-1');
  assert.equal(ctx.origin, 'test:await');
  assert.ok(ctx.userId);
});

test('a finished task is done; a failed one is failed with its own error', async () => {
  const ok = await awaitTask(env.rt.core, ctx, await deployTask('await-ok'), 10_000);
  assert.equal(ok.outcome, 'done');
  assert.equal(ok.job.status, 'SUCCESS');
  await env.rt.core.hosts.addFault({ kind: 'fail_next_start' });
  const bad = await awaitTask(env.rt.core, ctx, await deployTask('await-bad'), 10_000);
  assert.equal(bad.outcome, 'failed');
  assert.ok(bad.outcome === 'failed' && bad.error.kind === 'Internal' && /Simulated fault/.test(bad.error.message));
});

test('a REVOKED task counts as failed: its error if it kept one, else a cancelled Conflict', async () => {
  const id = await deployTask('await-revoked');
  await env.rt.store.db.updateTable('tasks').set({ status: 'REVOKED', error: null }).where('id', '=', id).execute();
  const r = await awaitTask(env.rt.core, ctx, id, 10_000);
  assert.equal(r.outcome, 'failed');
  assert.ok(r.outcome === 'failed');
  assert.deepEqual([r.error.kind, r.error.reason], ['Conflict', 'cancelled']);
  await env.rt.store.db
    .updateTable('tasks')
    .set({ error: JSON.stringify({ kind: 'Conflict', reason: 'busy', message: 'kept' }) })
    .where('id', '=', id)
    .execute();
  const kept = await awaitTask(env.rt.core, ctx, id, 10_000);
  assert.ok(kept.outcome === 'failed' && kept.error.reason === 'busy' && kept.error.message === 'kept');
});

test("a task still running past the wait is a timeout; another account's task is NotFound", async () => {
  const id = await deployTask('await-slow');
  await env.rt.store.db
    .updateTable('tasks')
    .set({ status: 'STARTED', lease_owner: 'elsewhere', lease_until: Date.now() + 3_600_000 })
    .where('id', '=', id)
    .execute();
  const r = await awaitTask(env.rt.core, ctx, id, 100);
  assert.equal(r.outcome, 'timeout');
  assert.equal(r.job.status, 'STARTED');
  const other = { ...ctx, accountId: 'someone-else' };
  await assert.rejects(awaitTask(env.rt.core, other, id, 100), (e: Error & { kind?: string }) => e.kind === 'NotFound');
});
