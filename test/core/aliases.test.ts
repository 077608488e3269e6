import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { numberedAliases, objectByNumber } from '../../src/core/aliases/service.js';
import { up as aliasesUp } from '../../src/store/migrations/0010-aliases.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

test('migration 0010 moves every cvm_ids row into aliases under scheme cvm, and numbering goes on from there', async () => {
  const db = env.rt.store.db as unknown as Kysely<any>;
  await db.schema.dropTable('aliases').execute();
  await db.schema
    .createTable('cvm_ids')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('serial', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('cvm_ids_pk', ['kind', 'object_id'])
    .execute();
  await db
    .insertInto('cvm_ids')
    .values([
      { kind: 'host', object_id: 'h-a', serial: 1 },
      { kind: 'host', object_id: 'h-b', serial: 2 },
      { kind: 'template', object_id: 't-a', serial: 1 },
      { kind: 'template', object_id: 't-b', serial: 9 },
    ])
    .execute();
  await aliasesUp(db);
  const store = env.rt.store;
  assert.deepEqual(
    [...(await numberedAliases(store, 'host', 'cvm', ['h-a', 'h-b']))],
    [
      ['h-a', 1],
      ['h-b', 2],
    ],
  );
  assert.equal(await objectByNumber(store, 'template', 'cvm', 9), 't-b');
  assert.equal(
    (await numberedAliases(store, 'template', 'cvm', ['t-new'])).get('t-new'),
    10,
    'the next number follows the largest (compared as numbers)',
  );
  await assert.rejects(db.selectFrom('cvm_ids').selectAll().execute(), 'cvm_ids is gone');
});

test('numbers are assigned once per object, counted per object type and scheme, and found again by number', async () => {
  const store = env.rt.store;
  const first = await numberedAliases(store, 'node', 's1', ['n1', 'n2']);
  assert.deepEqual([first.get('n1'), first.get('n2')], [1, 2]);
  assert.deepEqual(
    [...(await numberedAliases(store, 'node', 's1', ['n2', 'n1']))].sort(),
    [
      ['n1', 1],
      ['n2', 2],
    ],
    'stable on a second call',
  );
  assert.equal((await numberedAliases(store, 'node', 's2', ['n2'])).get('n2'), 1, 'another scheme counts on its own');
  assert.equal(
    (await numberedAliases(store, 'disk', 's1', ['d1'])).get('d1'),
    1,
    'another object type counts on its own',
  );
  assert.equal(await objectByNumber(store, 'node', 's1', 2), 'n2');
  assert.equal(await objectByNumber(store, 'node', 's1', 3), undefined);
  assert.equal(await objectByNumber(store, 'disk', 's2', 1), undefined);
  assert.equal((await numberedAliases(store, 'node', 's1', [])).size, 0);
});

test('concurrent callers numbering the same and different objects agree, and no number is given twice', async () => {
  const store = env.rt.store;
  const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
  const maps = await Promise.all(
    ids.map((id, i) => numberedAliases(store, 'thing', 'race', [id, ids[(i + 1) % ids.length]!])),
  );
  const all = await numberedAliases(store, 'thing', 'race', ids);
  for (const m of maps) for (const [id, n] of m) assert.equal(all.get(id), n, `${id} has one number`);
  assert.equal(new Set(all.values()).size, ids.length, 'numbers are distinct');
});
