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
