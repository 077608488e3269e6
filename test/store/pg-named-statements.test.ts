import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, TEST_DB } from '../support/runtime.js';

test(
  'PostgreSQL: statements prepared before a column was added answer as before, alone and in a transaction',
  { skip: TEST_DB !== 'postgres' && 'PostgreSQL only (statements are named there)' },
  async () => {
    const db = await freshDatabase();
    const url = db.env.DATABASE_URL!;
    const store = openStore({ databaseUrl: url, poolSize: 3 });
    const other = new pg.Client({ connectionString: url });
    try {
      await migrate(store);
      const read = () => store.db.selectFrom('zones').selectAll().where('name', '=', 'nowhere').execute();
      const inTx = () =>
        store.tx((trx) => trx.selectFrom('zones').selectAll().where('name', '=', 'elsewhere').execute());
      for (let i = 0; i < 3; i++) await Promise.all([read(), inTx()]);
      await other.connect();
      await other.query('alter table zones add column added_later text');
      assert.deepEqual(await read(), [], 'a lone statement is prepared afresh and answers');
      assert.deepEqual(await inTx(), [], 'a transaction that met the stale plan is run again and answers');
      await other.query('alter table zones add column added_later_too text');
      const all = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? read() : inTx())));
      assert.deepEqual(all, [[], [], [], [], [], []], 'every connection of the pool answers after a second change');
    } finally {
      await other.end();
      await store.close();
      await db.drop();
    }
  },
);
