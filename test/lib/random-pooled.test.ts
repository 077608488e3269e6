/** Pooled random bytes (lib/util.ts randomPooled): every call gets bytes no other call got, across refills of the pool. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderedId, randomPooled, randomToken } from '../../src/lib/util.js';

test('tokens, ids and byte strings taken across many refills of the pool are all distinct and keep their bytes', () => {
  const tokens = new Set(Array.from({ length: 2000 }, () => randomToken()));
  assert.equal(tokens.size, 2000);
  const ids = new Set(Array.from({ length: 2000 }, () => orderedId()));
  assert.equal(ids.size, 2000);
  const first = randomPooled(12);
  const kept = Buffer.from(first);
  for (let i = 0; i < 1000; i++) randomPooled(12);
  assert.ok(first.equals(kept), 'bytes handed out are a copy: later refills do not change them');
  assert.equal(randomPooled(300).length, 300);
});

test('ordered ids made in one burst only grow, and no two share their first four groups (what a Danube task id carries)', () => {
  const ids = Array.from({ length: 20_000 }, () => orderedId());
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  const prefixes = new Set(ids.map((id) => id.split('-').slice(0, 4).join('-')));
  assert.equal(prefixes.size, ids.length);
  for (const id of ids.slice(0, 50))
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
