/** SQLite WAL checkpoints are paced by writes: a few small writes stay in the WAL; many, or a long wait, are copied back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.js';
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

const insert = (store: Store, n: number) =>
  sql`insert into scratch (b) values (randomblob(${n}))`.execute(store.db).then(() => undefined);

test('a few writes wait in the WAL; enough writes are checkpointed within a few ticks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nube-checkpoint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nube.db');
  const store = openStore({ sqlitePath: file, checkpointPace: { intervalMs: 20, minWrites: 100, maxWaitMs: 600_000 } });
  try {
    await sql`create table scratch (b blob)`.execute(store.db);
    for (let i = 0; i < 5; i++) await insert(store, 64 * 1024);
    const before = fileBytes(file);
    assert.equal(await grows(file, before, 500), false, 'five writes were copied out of the WAL at once');
    for (let i = 0; i < 100; i++) await insert(store, 4096);
    assert.equal(await grows(file, before, 10_000), true, 'a hundred writes were not checkpointed');
    const rows = await sql<{ n: number }>`select count(*) as n from scratch`.execute(store.db);
    assert.equal(Number(rows.rows[0]!.n), 105);
  } finally {
    await store.close();
  }
});

test('a single write is checkpointed once it has waited maxWaitMs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nube-checkpoint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nube.db');
  const store = openStore({ sqlitePath: file, checkpointPace: { intervalMs: 20, minWrites: 1e9, maxWaitMs: 300 } });
  try {
    await sql`create table scratch (b blob)`.execute(store.db);
    await insert(store, 64 * 1024);
    assert.equal(await grows(file, fileBytes(file), 10_000), true, 'the write stayed in the WAL');
  } finally {
    await store.close();
  }
});
