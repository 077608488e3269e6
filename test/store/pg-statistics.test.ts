/** PostgreSQL: tables filled by a burst of writes get planner statistics within seconds, so batch reads walk their indexes. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { populateVms } from '../../bench/populate.js';
import { PgStatistics } from '../../src/store/pg-statistics.js';

const skip = TEST_DB !== 'postgres';
let env: TestEnv;
before(async () => {
  if (skip) return;
  env = await startTestEnv({ NUBE_DEFAULT_LIMITS: 'off' });
  await env.rt.core.accounts.createAccount('burst');
});
after(async () => {
  await env?.close();
});

/** The plan of a create batch's name check for three names of one account. */
async function batchNamesPlan(accountId: string): Promise<string> {
  const r = await sql<{ 'QUERY PLAN': string }>`explain select account_id, name from vms
    where account_id in (${accountId}) and name in ('a-1', 'b-2', 'c-3') and removed_at is null`.execute(
    env.rt.store.db,
  );
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

test(
  'a burst of VMs gets the tables analyzed by the running server, and the name check then seeks each name',
  { skip },
  async () => {
    await populateVms(env.rt.store, env.config.dataDir, 'burst', 3000);
    const account = await env.rt.store.db
      .selectFrom('accounts')
      .select('id')
      .where('name', '=', 'burst')
      .executeTakeFirstOrThrow();
    let analyzed: string | null = null;
    for (let i = 0; i < 150 && !analyzed; i++) {
      const r = await sql<{ at: string | null }>`select last_analyze as at from pg_stat_user_tables
      where relname = 'vms' and schemaname = current_schema()`.execute(env.rt.store.db);
      analyzed = r.rows[0]?.at ?? null;
      if (!analyzed) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(
      analyzed,
      'vms was analyzed within 30 s (autovacuum would take up to a minute, and records last_autoanalyze)',
    );
    const plan = await batchNamesPlan(account.id);
    assert.match(plan, /Index Cond: \(\(account_id = .*\) AND \(name = ANY/, plan);
    // Analyzed at its size: a table is not analyzed again until it doubles.
    assert.ok(!(await new PgStatistics(env.rt.store).analyzeGrown()).includes('vms'));
  },
);
