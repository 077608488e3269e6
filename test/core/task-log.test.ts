/** The task log reader (core.tasks.log): every task's entries once each, oldest first, only the caller's account unless an admin asks. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import type { CsClient } from '../support/cs-client.js';
import { systemContext, type CallContext } from '../../src/lib/context.js';

let env: TestEnv;
let bob: CsClient;
let alice: CallContext;
let bobId: string;
let vmId: string;
let jobIds: string[];
before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
  const db = env.rt.store.db;
  const a = await db.selectFrom('accounts').selectAll().where('name', '=', 'alice').executeTakeFirstOrThrow();
  bobId = (await db.selectFrom('accounts').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow()).id;
  alice = { accountId: a.id, accountName: 'alice', userId: null, isAdmin: false, requestId: 't', origin: 'test' };
  const deploy = await env.cs.job('deployVirtualMachine', { ...(await deployArgs(env.cs)), name: 'logged' });
  vmId = deploy.jobresult.virtualmachine.id;
  const stop = await env.cs.job('stopVirtualMachine', { id: vmId });
  const start = await env.cs.job('startVirtualMachine', { id: vmId });
  jobIds = [deploy.jobid, stop.jobid, start.jobid];
  await bob.job('deployVirtualMachine', { ...(await deployArgs(bob)), name: 'elsewhere' });
});
after(async () => {
  await env.close();
});

async function deployArgs(cs: CsClient): Promise<Record<string, string>> {
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  return { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id };
}

test('a deploy, a stop and a start of a VM each appear once: created then finished, oldest first', async () => {
  const page = await env.rt.core.tasks.log(alice, { objectId: vmId }, {});
  const byTask = page.items.filter((e) => e.taskId !== null);
  assert.deepEqual([...new Set(byTask.map((e) => e.taskId))], jobIds, 'one task per call, in call order');
  for (const id of jobIds) {
    assert.deepEqual(
      byTask.filter((e) => e.taskId === id).map((e) => e.status),
      ['PENDING', 'SUCCESS'],
      `task ${id} logged once`,
    );
  }
  assert.equal(page.count, page.items.length);
  assert.deepEqual(
    [...new Set(byTask.map((e) => e.origin))],
    ['cloudstack:deployVirtualMachine', 'cloudstack:stopVirtualMachine', 'cloudstack:startVirtualMachine'],
  );
  assert.ok(page.items.every((e) => e.accountId === alice.accountId && e.objectId === vmId));
  const ids = page.items.map((e) => e.id);
  assert.deepEqual(
    ids,
    [...ids].sort((x, y) => x - y),
  );
  const one = await env.rt.core.tasks.log(alice, { taskId: jobIds[1] }, {});
  assert.deepEqual(
    one.items.map((e) => [e.taskId, e.status]),
    [
      [jobIds[1], 'PENDING'],
      [jobIds[1], 'SUCCESS'],
    ],
  );
  const action = one.items[0]!.action;
  const sameAction = await env.rt.core.tasks.log(alice, { objectId: vmId, action }, {});
  assert.deepEqual(
    sameAction.items.map((e) => e.taskId),
    [jobIds[1], jobIds[1]],
  );
});

test('pages cut the oldest-first list; since leaves out older entries', async () => {
  const all = await env.rt.core.tasks.log(alice, { objectId: vmId }, {});
  const second = await env.rt.core.tasks.log(alice, { objectId: vmId }, { page: 2, pageSize: 2 });
  assert.equal(second.count, all.count);
  assert.deepEqual(
    second.items.map((e) => e.id),
    all.items.slice(2, 4).map((e) => e.id),
  );
  const future = await env.rt.core.tasks.log(alice, { since: new Date(Date.now() + 60_000) }, {});
  assert.deepEqual([future.count, future.items.length], [0, 0]);
  const last = all.items[all.items.length - 1]!;
  const since = await env.rt.core.tasks.log(alice, { objectId: vmId, since: new Date(last.created) }, {});
  assert.ok(
    since.items.length >= 1 &&
      since.items.length < all.items.length &&
      since.items.every((e) => e.created >= last.created),
  );
});

test("another account's entries are not visible, even when asked for by account; an admin may ask for them", async () => {
  const mine = await env.rt.core.tasks.log(alice, {}, {});
  assert.ok(mine.count > 0 && mine.items.every((e) => e.accountId === alice.accountId));
  const asked = await env.rt.core.tasks.log(alice, { accountId: bobId }, {});
  assert.deepEqual([asked.count, asked.items.length], [0, 0]);
  const everyone = await env.rt.core.tasks.log(alice, { allAccounts: true }, {});
  assert.equal(everyone.count, mine.count);
  const admin = systemContext('operator-account');
  const bobs = await env.rt.core.tasks.log(admin, { accountId: bobId }, {});
  assert.ok(bobs.count >= 2 && bobs.items.every((e) => e.accountId === bobId));
  const all = await env.rt.core.tasks.log(admin, { allAccounts: true }, {});
  assert.equal(all.count, mine.count + bobs.count);
  assert.equal((await env.rt.core.tasks.log(admin, {}, {})).count, 0, 'an admin reads its own account unless it asks');
});
