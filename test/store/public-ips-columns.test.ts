/** Migration 0040: public_ips loses the never-written reverse_dns column, keeping its rows; elastic IPs still allocate and list. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import type { CallContext } from '../../src/lib/context.js';
import { migrate } from '../../src/store/migrate.js';
import { accountContext } from '../support/receipts.js';

let env: TestEnv;
let ctx: CallContext;
before(async () => {
  env = await startTestEnv();
  await env.rt.core.accounts.createAccount('ip-columns');
  ctx = await accountContext(env, 'ip-columns', 't');
});
after(async () => {
  await env.close();
});

/** The column names of public_ips as the database reports them. */
async function publicIpColumns(): Promise<string[]> {
  const db = env.rt.store.db;
  const r =
    TEST_DB === 'postgres'
      ? await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = 'public_ips'`.execute(db)
      : await sql<{ name: string }>`select name from pragma_table_info('public_ips')`.execute(db);
  return r.rows.map((c) => c.name);
}

test('public_ips has no reverse_dns column after the migrations, and keeps the others', async () => {
  const cols = await publicIpColumns();
  assert.ok(!cols.includes('reverse_dns'), cols.join(','));
  for (const c of ['id', 'account_id', 'zone_id', 'address', 'address_num', 'vm_id', 'healthcheck', 'state'])
    assert.ok(cols.includes(c), `${c} in ${cols.join(',')}`);
  const applied = await sql<{ name: string }>`select name from nube_migrations`.execute(env.rt.store.db);
  assert.ok(applied.rows.some((m) => m.name === '0040-drop-public-ip-reverse-dns'));
});

test('an elastic IP is still allocated and listed without the column', async () => {
  const zone = (await env.rt.core.catalog.listZones())[0]!;
  const receipt = await env.rt.core.ips.associate(ctx, { zoneId: zone.id });
  const listed = await env.rt.core.ips.list(ctx);
  assert.equal(listed.count, 1);
  assert.equal(listed.items[0]!.id, receipt.objectId);
  assert.ok(!('reverseDns' in listed.items[0]!));
});

test('on a store migrated before 0040 the column is dropped and the IPs it held are kept', async () => {
  const db = env.rt.store.db;
  await sql`alter table public_ips add column reverse_dns text`.execute(db);
  await sql`update public_ips set reverse_dns = 'old.example.com'`.execute(db);
  await sql`delete from nube_migrations where name = '0040-drop-public-ip-reverse-dns'`.execute(db);
  const before = await env.rt.core.ips.list(ctx);
  assert.equal(before.count, 1);
  assert.deepEqual(await migrate(env.rt.store), ['0040-drop-public-ip-reverse-dns']);
  assert.ok(!(await publicIpColumns()).includes('reverse_dns'));
  assert.deepEqual(await env.rt.core.ips.list(ctx), before);
});
