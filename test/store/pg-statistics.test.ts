/** PostgreSQL: tables filled by a burst of writes get planner statistics within seconds from `nube serve`, so batch reads walk their indexes. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { freshDatabase, TEST_DB } from '../support/runtime.js';
import { populateVms } from '../../bench/populate.js';
import { openStore, type Store } from '../../src/store/db.js';
import { PgStatistics } from '../../src/store/pg-statistics.js';
import { startServe, type ServeChild } from '../proof/child.js';

const skip = TEST_DB !== 'postgres';
let child: ServeChild | undefined;
let store: Store | undefined;
let dropDb: (() => Promise<void>) | undefined;
after(async () => {
  await child?.stop();
  await store?.close();
  await dropDb?.();
});

/** The plan of a create batch's name check for three names of one account. */
async function batchNamesPlan(db: Store['db'], accountId: string): Promise<string> {
  const r = await sql<{ 'QUERY PLAN': string }>`explain select account_id, name from vms
    where account_id in (${accountId}) and name in ('a-1', 'b-2', 'c-3') and removed_at is null`.execute(db);
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

test(
  'a burst of VMs gets the tables analyzed by the running `nube serve`, and the name check then seeks each name',
  { skip, timeout: 120_000 },
  async () => {
    const fresh = await freshDatabase();
    dropDb = fresh.drop;
    child = await startServe({ ...fresh.env, NUBE_DEFAULT_LIMITS: 'off' });
    store = openStore({ databaseUrl: fresh.env.DATABASE_URL });
    await populateVms(store, fresh.env.NUBE_DATA_DIR!, 'admin', 3000);
    const account = await store.db
      .selectFrom('accounts')
      .select('id')
      .where('name', '=', 'admin')
      .executeTakeFirstOrThrow();
    let analyzed: string | null = null;
    for (let i = 0; i < 150 && !analyzed; i++) {
      const r = await sql<{ at: string | null }>`select last_analyze as at from pg_stat_user_tables
      where relname = 'vms' and schemaname = current_schema()`.execute(store.db);
      analyzed = r.rows[0]?.at ?? null;
      if (!analyzed) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(
      analyzed,
      'vms was analyzed within 30 s (autovacuum would take up to a minute, and records last_autoanalyze)',
    );
    const plan = await batchNamesPlan(store.db, account.id);
    assert.match(plan, /Index Cond: \(\(account_id = .*\) AND \(name = ANY/, plan);
    // Analyzed at its size: a table is not analyzed again until it doubles.
    assert.ok(!(await new PgStatistics(store).analyzeGrown()).includes('vms'));
  },
);
