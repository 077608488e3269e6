import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, TEST_DB } from '../support/runtime.js';

test(
  'PostgreSQL: a statement prepared before another process added a column answers again by its second call',
  { skip: TEST_DB !== 'postgres' && 'PostgreSQL only (statements are named there)' },
  async () => {
    const db = await freshDatabase();
    const url = db.env.DATABASE_URL!;
    const store = openStore({ databaseUrl: url, poolSize: 1 });
    const other = new pg.Client({ connectionString: url });
    try {
      await migrate(store);
      const read = () => store.db.selectFrom('zones').selectAll().where('name', '=', 'nowhere').execute();
      await read();
      await read();
      await other.connect();
      await other.query('alter table zones add column added_later text');
      const first = await read().then(
        () => 'answered',
        (err: Error) => err.message,
      );
      assert.match(first, /answered|cached plan/, 'at worst the one prepared plan is refused');
      assert.deepEqual(await read(), [], 'the next call prepares the statement afresh and answers');
      assert.deepEqual(await read(), []);
    } finally {
      await other.end();
      await store.close();
      await db.drop();
    }
  },
);
