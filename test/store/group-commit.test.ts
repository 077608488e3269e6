/** SQLite group commit: concurrent transactions share commits, fail alone, and a burst of them never starves the event loop. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../src/store/db.js';
import { freshDatabase } from '../support/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'nube-group-commit-'));
const store = openStore({ sqlitePath: join(dir, 'nube.db') });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a failing transaction in a burst rolls back only its own work', async () => {
  await sql`create table gc_items (n integer primary key)`.execute(store.db);
  const results = await Promise.allSettled(
    Array.from({ length: 500 }, (_, n) =>
      store.tx(async (trx) => {
        await sql`insert into gc_items (n) values (${n})`.execute(trx);
        if (n % 50 === 7) throw new Error(`refused ${n}`);
        return n;
      }),
    ),
  );
  const refused = results.filter((r) => r.status === 'rejected').length;
  assert.equal(refused, 10);
  const rows = await sql<{ c: number }>`select count(*) as c from gc_items`.execute(store.db);
  assert.equal(Number(rows.rows[0]!.c), 490);
});

test('a burst of large transactions rolls back a failed one whole, its undo record kept in memory rather than a temp file', async () => {
  await sql`create table gc_big (id integer primary key, body blob not null)`.execute(store.db);
  const tempFiles = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return /etilqs_/.test(readlinkSync(`/proc/self/fd/${fd}`));
      } catch {
        return false;
      }
    }).length;
  let seen = 0;
  const results = await Promise.allSettled(
    Array.from({ length: 12 }, (_, n) =>
      store.tx(async (trx) => {
        for (let i = 0; i < 40; i++)
          await sql`insert into gc_big (id, body) values (${n * 1000 + i}, zeroblob(3000))`.execute(trx);
        await sql`update gc_big set body = zeroblob(3500) where id < ${n * 1000}`.execute(trx);
        seen = Math.max(seen, tempFiles());
        if (n % 4 === 3) throw new Error(`refused ${n}`);
      }),
    ),
  );
  assert.equal(results.filter((r) => r.status === 'rejected').length, 3);
  const rows = await sql<{ c: number; big: number }>`select count(*) as c,
    sum(length(body) = 3500) as big from gc_big`.execute(store.db);
  assert.equal(Number(rows.rows[0]!.c), 9 * 40, 'the refused transactions left rows behind');
  assert.ok(Number(rows.rows[0]!.big) > 0, 'the updates of the transactions that went through were lost');
  assert.equal(seen, 0, 'a savepoint journal was written to a temp file');
});

test('a burst of slow transactions lets timers run in between instead of holding the event loop to the end', async () => {
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  let finished = 0;
  const burst = Array.from({ length: 200 }, () =>
    store.tx(async () => {
      busy(1);
      finished++;
    }),
  );
  const seenByTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(finished), 0));
  await Promise.all(burst);
  assert.ok(seenByTimer < 200, `a timer waited for all ${seenByTimer} transactions (200 ms of work) to end`);
});

test('with the transaction guard on, a query outside the open transaction by its own code fails at once; off, a concurrent query waits', async () => {
  const guardedDir = mkdtempSync(join(tmpdir(), 'nube-tx-guard-'));
  const guarded = openStore({ sqlitePath: join(guardedDir, 'nube.db'), guardTransactions: true });
  try {
    await assert.rejects(
      guarded.tx(async () => sql`select 1`.execute(guarded.db)),
      /inside a transaction: use the transaction object/,
    );
  } finally {
    await guarded.close();
    rmSync(guardedDir, { recursive: true, force: true });
  }
  // Unguarded (the default), a query from other code during a transaction simply waits for its commit.
  await sql`create table gc_guard (n integer)`.execute(store.db);
  let begun!: () => void;
  const inside = new Promise<void>((r) => (begun = r));
  const writing = store.tx(async (trx) => {
    await sql`insert into gc_guard (n) values (1)`.execute(trx);
    begun();
    await new Promise((r) => setTimeout(r, 20));
  });
  await inside;
  const seen = sql<{ c: number }>`select count(*) as c from gc_guard`.execute(store.db);
  await writing;
  assert.equal(Number((await seen).rows[0]!.c), 1);
});

test('with the transaction guard on, a transaction opened inside another fails at once on either store, and the outer one goes on', async () => {
  const db = await freshDatabase();
  const guarded = openStore({
    sqlitePath: join(db.env.NUBE_DATA_DIR!, 'nube.db'),
    databaseUrl: db.env.DATABASE_URL,
    guardTransactions: true,
  });
  try {
    const outer = await guarded.tx(async (trx) => {
      await assert.rejects(
        guarded.tx(async (inner) => sql`select 1`.execute(inner)),
        /Transaction opened inside another: use the transaction object/,
      );
      return (await sql<{ n: number }>`select 2 as n`.execute(trx)).rows[0]!.n;
    });
    assert.equal(Number(outer), 2);
    const side = await Promise.all(
      Array.from({ length: 20 }, (_, i) => guarded.tx(async (trx) => sql`select ${i} as n`.execute(trx))),
    );
    assert.equal(side.length, 20, 'transactions side by side are not nested');
  } finally {
    await guarded.close();
    await db.drop();
  }
});
