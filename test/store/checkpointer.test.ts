/** SQLite WAL checkpoints are paced by writes: a few small writes stay in the WAL; many, or a long wait, are copied back; a busy WAL still starts over. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.js';
import type { CheckpointPace } from '../../src/store/checkpointer.js';
import { sleep } from '../../src/lib/util.js';

/** Bytes in the database file itself: it grows only when a checkpoint copies pages out of the WAL. */
const fileBytes = (file: string) => statSync(file).size;

async function grows(file: string, from: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (fileBytes(file) > from) return true;
    await sleep(20);
  }
  return false;
}

/** A store on a fresh SQLite file with the given pace and a scratch table, closed and removed after the test. */
async function paced(t: TestContext, pace: Partial<CheckpointPace>): Promise<{ store: Store; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nube-checkpoint-'));
  const file = join(dir, 'nube.db');
  const store = openStore({ sqlitePath: file, checkpointPace: pace });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await sql`create table scratch (b blob)`.execute(store.db);
  return { store, file };
}

const insert = (store: Store, n: number) =>
  sql`insert into scratch (b) values (randomblob(${n}))`.execute(store.db).then(() => undefined);

test('a few writes wait in the WAL; enough writes are checkpointed within a few ticks', async (t) => {
  const { store, file } = await paced(t, { intervalMs: 20, minWrites: 100, maxWaitMs: 600_000 });
  for (let i = 0; i < 5; i++) await insert(store, 64 * 1024);
  const before = fileBytes(file);
  assert.equal(await grows(file, before, 500), false, 'five writes were copied out of the WAL at once');
  for (let i = 0; i < 100; i++) await insert(store, 4096);
  assert.equal(await grows(file, before, 10_000), true, 'a hundred writes were not checkpointed');
  const rows = await sql<{ n: number }>`select count(*) as n from scratch`.execute(store.db);
  assert.equal(Number(rows.rows[0]!.n), 105);
});

test('a single write is checkpointed once it has waited maxWaitMs', async (t) => {
  const { store, file } = await paced(t, { intervalMs: 20, minWrites: 1e9, maxWaitMs: 300 });
  await insert(store, 64 * 1024);
  assert.equal(await grows(file, fileBytes(file), 10_000), true, 'the write stayed in the WAL');
});

test('under a steady stream of transactions the WAL still starts over, so its file stays small', async (t) => {
  const { store, file } = await paced(t, { intervalMs: 20, minWrites: 50, maxWaitMs: 600_000, restartFrames: 256 });
  // The checkpointer runs in a worker thread, which a busy machine may start late: the stream begins once it copied a
  // first batch of small writes back, so what is measured is its pacing, not its start-up.
  const start = fileBytes(file);
  for (let i = 0; i < 60; i++) await insert(store, 1024);
  assert.equal(await grows(file, start, 10_000), true, 'the checkpointer never ran');
  const blob = 64 * 1024;
  const perWriter = 120;
  const writer = async () => {
    for (let i = 0; i < perWriter; i++)
      await store.tx((trx) => sql`insert into scratch (b) values (randomblob(${blob}))`.execute(trx));
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  const written = 8 * perWriter * blob;
  const wal = fileBytes(`${file}-wal`);
  assert.ok(wal < written / 3, `the WAL file holds ${wal} bytes after ${written} bytes were written`);
  const rows = await sql<{ n: number }>`select count(*) as n from scratch`.execute(store.db);
  assert.equal(Number(rows.rows[0]!.n), 60 + 8 * perWriter);
});
