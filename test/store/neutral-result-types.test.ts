import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { migrate } from '../../src/store/migrate.js';
import { recordDoneTask } from '../../src/tasks/queue.js';
import { systemContext } from '../../src/lib/context.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

test('migration 0012 renames the old result types of stored tasks and leaves every other result as it was', async () => {
  const db = env.rt.store.db;
  const acct = await db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', 'alice')
    .executeTakeFirstOrThrow();
  const ctx = systemContext(acct.id, acct.name, 'test');
  const stored = [
    { type: 'ipaddress', id: 'ip1', address: '198.51.100.9', zoneId: 'z1' },
    { type: 'securitygroup', id: 'sg1', ruleIds: ['r1'] },
    { type: 'affinitygroup', id: 'ag1' },
    { type: 'registered-template', id: 't1' },
    { type: 'vm', id: 'vm1' },
    { type: 'success' },
  ];
  const ids = [];
  for (const result of stored)
    ids.push(
      await db
        .transaction()
        .execute((trx) => recordDoneTask(trx, { kind: 'sync', objectType: 'x', objectId: result.type, ctx, result })),
    );
  await sql`delete from nube_migrations where name = '0012-neutral-result-types'`.execute(db);
  assert.deepEqual(await migrate(env.rt.store), ['0012-neutral-result-types']);
  const after = [];
  for (const id of ids)
    after.push(
      JSON.parse(
        (await db.selectFrom('tasks').select('result').where('id', '=', id).executeTakeFirstOrThrow()).result!,
      ),
    );
  assert.deepEqual(after, [
    { type: 'publicIp', id: 'ip1', address: '198.51.100.9', zoneId: 'z1' },
    { type: 'securityGroup', id: 'sg1', ruleIds: ['r1'] },
    { type: 'affinityGroup', id: 'ag1' },
    { type: 'template', id: 't1' },
    { type: 'vm', id: 'vm1' },
    { type: 'success' },
  ]);
});

test('migration 0013 renames the old secondary-IP result type and leaves every other result as it was', async () => {
  const db = env.rt.store.db;
  const acct = await db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', 'alice')
    .executeTakeFirstOrThrow();
  const ctx = systemContext(acct.id, acct.name, 'test');
  const stored = [
    { type: 'nicsecondaryip', id: 's1', ipAddress: '198.51.100.7', nicId: 'n1', networkId: 'net1', vmId: 'vm1' },
    { type: 'nic', id: 'n1', vmId: 'vm1' },
  ];
  const ids = [];
  for (const result of stored)
    ids.push(
      await db
        .transaction()
        .execute((trx) => recordDoneTask(trx, { kind: 'sync', objectType: 'x', objectId: result.type, ctx, result })),
    );
  await sql`delete from nube_migrations where name = '0013-neutral-vm-result-types'`.execute(db);
  assert.deepEqual(await migrate(env.rt.store), ['0013-neutral-vm-result-types']);
  const after = [];
  for (const id of ids)
    after.push(
      JSON.parse(
        (await db.selectFrom('tasks').select('result').where('id', '=', id).executeTakeFirstOrThrow()).result!,
      ),
    );
  assert.deepEqual(after, [
    { type: 'secondaryIp', id: 's1', ipAddress: '198.51.100.7', nicId: 'n1', networkId: 'net1', vmId: 'vm1' },
    { type: 'nic', id: 'n1', vmId: 'vm1' },
  ]);
});
