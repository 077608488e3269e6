/** Danube task cancel and delete: PUT /task/<id>/cancel/ revokes (410 REVOKED), DELETE /task/<id>/ is SuperAdmin's with force. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import type { CallContext } from '../../../src/lib/context.js';
import type { Core } from '../../../src/core/core.js';
import { dummyMarker } from '../../../src/dialects/danube/task-ids.js';

let d: DanubeEnv;
let core: Core;
let bob: CallContext;
let create: { zoneId: string; offeringId: string; templateId: string };

// One worker, so a second task waits PENDING while the first runs; every sim power transition takes 2 s.
before(async () => {
  d = await startDanube({ NUBE_SIM_DELAY_MS: '2000', NUBE_WORKERS: '1' });
  core = d.env.rt.core;
  const db = d.env.rt.store.db;
  const acct = await db.selectFrom('accounts').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow();
  const user = await db.selectFrom('users').select('id').where('account_id', '=', acct.id).executeTakeFirstOrThrow();
  bob = { accountId: acct.id, accountName: 'bob', userId: user.id, isAdmin: false, requestId: 't', origin: 'test' };
  const zone = (await core.catalog.listZones())[0]!;
  const offering = (await core.catalog.listServiceOfferings())[0]!;
  const tpl = await db.selectFrom('templates').select('id').executeTakeFirstOrThrow();
  create = { zoneId: zone.id, offeringId: offering.id, templateId: tpl.id };
});
after(async () => {
  await d.close();
});

/** A stopped VM of bob. */
async function stoppedVm(): Promise<string> {
  const { receipt } = await core.vms.create(bob, { ...create, start: false });
  assert.equal((await core.jobs.wait(bob, receipt.taskId, 10_000)).status, 'SUCCESS');
  return receipt.objectId;
}

/** Waits until the task has been claimed by a runner. */
async function started(taskId: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await core.jobs.get(bob, taskId)).status === 'STARTED') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`task ${taskId} never started`);
}

/** Bob's pending task ids as GET /task/ lists them. */
async function pendingIds(): Promise<string[]> {
  const a = await d.bob.get('/task/');
  assert.equal(a.status, 200);
  return a.body as string[];
}

/** The Danube id GET /task/ lists for a core task. */
async function danubeId(coreTaskId: string): Promise<string> {
  const suffix = `-${coreTaskId.split('-').slice(0, 4).join('-')}`;
  const id = (await pendingIds()).find((i) => i.endsWith(suffix));
  assert.ok(id, `task ${coreTaskId} is listed as pending`);
  return id;
}

test('PUT /task/<id>/cancel/ revokes a running and a pending start: 410 REVOKED, VMs stopped, their starts work again', async () => {
  const a = await stoppedVm();
  const b = await stoppedVm();
  const startA = await core.vms.start(bob, a);
  await started(startA.taskId);
  const startB = await core.vms.start(bob, b);
  const idA = await danubeId(startA.taskId);
  const idB = await danubeId(startB.taskId);

  const cancelB = await d.bob.set(`/task/${idB}/cancel/`);
  assert.equal(cancelB.status, 410);
  assert.deepEqual(cancelB.body, { task_id: idB, status: 'REVOKED', result: 'terminated' });
  const cancelA = await d.bob.set(`/task/${idA}/cancel/`, { force: true });
  assert.equal(cancelA.status, 410);
  assert.equal(cancelA.body.status, 'REVOKED');
  const status = await d.bob.get(`/task/${idA}/status/`);
  assert.equal(status.status, 410);
  assert.deepEqual(await pendingIds(), [], 'nothing left pending');
  for (const id of [a, b]) assert.equal((await core.vms.get(bob, id)).state, 'stopped');

  const log = await d.bob.get('/task/log/');
  const revoked = (log.body.results as Array<{ task: string; status: string }>).filter((e) => e.status === 'REVOKED');
  assert.deepEqual(revoked.map((e) => e.task).sort(), [idA, idB].sort(), 'each cancel is in the task log');

  const again = await core.vms.start(bob, a);
  assert.equal((await core.jobs.wait(bob, again.taskId, 20_000)).status, 'SUCCESS', 'a following start works');
});

test('a finished, unknown or dummy task cannot be cancelled (406); a malformed id is 403; another user is refused', async () => {
  const id = await stoppedVm();
  const start = await core.vms.start(bob, id);
  const running = await danubeId(start.taskId);
  const c = await core.accounts.createAccount('carol', { password: 'carol-password-1' });
  const carol = d.client();
  assert.equal((await carol.login('carol', 'carol-password-1')).status, 200);
  const byCarol = await carol.set(`/task/${running}/cancel/`);
  assert.equal(byCarol.status, 403, "bob's task id is not carol's");
  assert.deepEqual(byCarol.body, { detail: 'You do not have permission to perform this action.' });
  const carolNumber = (await core.aliases.numbers('user', 'danube', [c.user.id])).get(c.user.id);
  assert.ok(carolNumber !== undefined);
  const forged = await carol.set(`/task/${running.replace(/^\d+e\d+/, `${carolNumber}e${carolNumber}`)}/cancel/`);
  assert.equal(forged.status, 406, "bob's task under carol's number is unknown to her");
  assert.equal((await core.jobs.wait(bob, start.taskId, 20_000)).status, 'SUCCESS', "bob's start went on");

  const finished = await d.bob.set(`/task/${running}/cancel/`);
  assert.equal(finished.status, 406);
  assert.deepEqual(finished.body, { detail: 'Task cannot be canceled' });
  const unknown = await d.bob.set(`/task/${running.replace(/-[0-9a-f]{8}-/, '-0badc0de-')}/cancel/`);
  assert.equal(unknown.status, 406);
  const dummy = await d.bob.set(
    `/task/${running.replace(/-[0-9a-f]{8}-/, `-${dummyMarker(Number(/^\d+/.exec(running)![0]))}-`)}/cancel/`,
  );
  assert.equal(dummy.status, 406);
  const malformed = await d.bob.set('/task/not-a-task/cancel/');
  assert.equal(malformed.status, 403);
  assert.deepEqual(malformed.body, { detail: 'Permission denied' });
});

test('DELETE /task/<id>/: SuperAdmin only; without force 406, with force "Delete pending" and the task is revoked', async () => {
  const id = await stoppedVm();
  const start = await core.vms.start(bob, id);
  await started(start.taskId);
  const taskId = await danubeId(start.taskId);

  const byBob = await d.bob.delete(`/task/${taskId}/`, { force: true });
  assert.equal(byBob.status, 403);
  assert.deepEqual(byBob.body, { detail: 'You do not have permission to perform this action.' });
  const safe = await d.admin.delete(`/task/${taskId}/`);
  assert.equal(safe.status, 406);
  assert.deepEqual(safe.body, { detail: 'Safe task deletion is not implemented' });
  const forced = await d.admin.delete(`/task/${taskId}/`, { force: true });
  assert.equal(forced.status, 200);
  assert.equal(forced.body, 'Delete pending');
  assert.equal((await core.jobs.wait(bob, start.taskId, 10_000)).status, 'REVOKED');
  assert.equal((await core.vms.get(bob, id)).state, 'stopped');
});
