/** GET /admin/tasks/log: the task log over HTTP, Basic auth of an admin, the caller's account unless accountId names another. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { CsClient } from '../support/cs-client.js';

let env: TestEnv;
let ops: CsClient;
let auth: string;
let aliceId: string;
before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  auth = 'Basic ' + Buffer.from(`${a.user.email}:ops-password`).toString('base64');
  ops = new CsClient(env.app, a.credentials['api-key-pair'].key, a.credentials['api-key-pair'].secret);
  aliceId = (
    await env.rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow()
  ).id;
});
after(async () => {
  await env.close();
});

/** Deploys, stops and starts a VM through CloudStack; returns its id and the three job ids. */
async function lifecycle(cs: CsClient, name: string): Promise<{ vmId: string; jobs: string[] }> {
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const deploy = await cs.job('deployVirtualMachine', {
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
    name,
  });
  const vmId = deploy.jobresult.virtualmachine.id;
  const stop = await cs.job('stopVirtualMachine', { id: vmId });
  const start = await cs.job('startVirtualMachine', { id: vmId });
  return { vmId, jobs: [deploy.jobid, stop.jobid, start.jobid] };
}

async function logOf(query: string, authorization = auth) {
  return env.app.inject({ url: `/admin/tasks/log${query}`, headers: { authorization } });
}

test("the admin's own VM: deploy, stop and start each logged once (created, finished), oldest first", async () => {
  const { vmId, jobs } = await lifecycle(ops, 'ops-vm');
  const r = await logOf(`?objectId=${vmId}`);
  assert.equal(r.statusCode, 200);
  const body = r.json() as {
    count: number;
    entries: Array<{ id: number; taskId: string; status: string; objectId: string; action: string }>;
  };
  const tasks = body.entries.filter((e) => e.taskId);
  assert.deepEqual([...new Set(tasks.map((e) => e.taskId))], jobs);
  for (const id of jobs)
    assert.deepEqual(
      tasks.filter((e) => e.taskId === id).map((e) => e.status),
      ['PENDING', 'SUCCESS'],
    );
  assert.equal(body.count, body.entries.length);
  const page = (await logOf(`?objectId=${vmId}&page=2&pageSize=2`)).json() as typeof body;
  assert.deepEqual(
    page.entries.map((e) => e.id),
    body.entries.slice(2, 4).map((e) => e.id),
  );
  const byTask = (await logOf(`?taskId=${jobs[2]}`)).json() as typeof body;
  assert.deepEqual(
    byTask.entries.map((e) => e.status),
    ['PENDING', 'SUCCESS'],
  );
});

test("another account's entries appear only when accountId names it", async () => {
  const { vmId, jobs } = await lifecycle(env.cs, 'alice-vm');
  const hidden = (await logOf(`?objectId=${vmId}`)).json() as { count: number };
  assert.equal(hidden.count, 0);
  const shown = (await logOf(`?objectId=${vmId}&accountId=${aliceId}`)).json() as {
    entries: Array<{ taskId: string; accountId: string }>;
  };
  assert.deepEqual([...new Set(shown.entries.map((e) => e.taskId))], jobs);
  assert.ok(shown.entries.every((e) => e.accountId === aliceId));
});

test('non-admins are refused; a bad since or page is 400', async () => {
  assert.equal((await env.app.inject({ url: '/admin/tasks/log' })).statusCode, 401);
  const bob = await env.rt.core.accounts.createAccount('bob', { password: 'pw-bob-123' });
  assert.equal(
    (await logOf('', 'Basic ' + Buffer.from(`${bob.user.email}:pw-bob-123`).toString('base64'))).statusCode,
    401,
  );
  const badSince = await logOf('?since=yesterday');
  assert.deepEqual(
    [badSince.statusCode, badSince.json().fields],
    [400, { since: ['since must be an ISO 8601 date and time'] }],
  );
  assert.equal((await logOf('?page=-1')).statusCode, 400);
  assert.equal(
    (await logOf(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json().count,
    0,
  );
});
