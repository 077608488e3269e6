/** Migration 0041: a create's name check walks a live-name index, not every VM of the account; PostgreSQL leaves room for in-place updates. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { populateVms } from '../../bench/populate.js';
import { catalog } from '../dialects/cloudstack/vm-fixtures.js';

let env: TestEnv;
let accountId: string;
before(async () => {
  env = await startTestEnv({ NUBE_DEFAULT_LIMITS: 'off' });
  await env.rt.core.accounts.createAccount('names');
  // Many VMs in a database that has no statistics yet, as after a burst of deploys into a new one.
  await populateVms(env.rt.store, env.config.dataDir, 'names', 3000);
  accountId = (
    await env.rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'names').executeTakeFirstOrThrow()
  ).id;
});
after(async () => {
  await env.close();
});

/** The plan of a create's name check, as the database would run it now. */
async function nameCheckPlan(): Promise<string> {
  const db = env.rt.store.db;
  const q = sql`select id from vms where account_id = ${accountId} and name = ${'new-vm'} and removed_at is null`;
  const rows =
    TEST_DB === 'postgres'
      ? (await sql<{ 'QUERY PLAN': string }>`explain ${q}`.execute(db)).rows.map((r) => r['QUERY PLAN'])
      : (await sql<{ detail: string }>`explain query plan ${q}`.execute(db)).rows.map((r) => r.detail);
  return rows.join('\n');
}

test('a name check uses the live-name index, on a table with no statistics yet', async () => {
  const plan = await nameCheckPlan();
  assert.match(plan, /vms_live_account_name/, plan);
  const indexes =
    TEST_DB === 'postgres'
      ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'vms'`.execute(
          env.rt.store.db,
        )
      : await sql<{ name: string }>`select name from pragma_index_list('vms')`.execute(env.rt.store.db);
  const names = indexes.rows.map((r) => r.name);
  assert.ok(!names.includes('vms_account_name'), `the index it replaces is gone: ${names.join(', ')}`);
});

test('names stay unique among live VMs and free again once a VM is gone', async () => {
  const c = await catalog(env.cs);
  const deploy = (name: string) =>
    env.cs.call('deployVirtualMachine', {
      zoneid: c.zone.id,
      serviceofferingid: c.micro.id,
      templateid: c.template.id,
      name,
    });
  const params = { zoneid: c.zone.id, serviceofferingid: c.micro.id, templateid: c.template.id, name: 'taken' };
  await env.cs.done('deployVirtualMachine', params);
  const again = await deploy('taken');
  assert.notEqual(again.status, 200, 'a second live VM of that name is refused');
  const vm = await env.rt.store.db.selectFrom('vms').select('id').where('name', '=', 'taken').executeTakeFirstOrThrow();
  await env.cs.done('destroyVirtualMachine', { id: vm.id, expunge: true });
  assert.equal((await env.cs.done('deployVirtualMachine', params)).virtualmachine.name, 'taken');
});

test(
  'PostgreSQL keeps 30% of each page free in vms, volumes and vm_traffic',
  { skip: TEST_DB !== 'postgres' },
  async () => {
    const r = await sql<{ relname: string; reloptions: string[] | null }>`
    select relname, reloptions from pg_class where relname in ('vms', 'volumes', 'vm_traffic')`.execute(
      env.rt.store.db,
    );
    assert.equal(r.rows.length, 3);
    for (const t of r.rows) assert.deepEqual(t.reloptions, ['fillfactor=70'], t.relname);
  },
);
