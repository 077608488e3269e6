/** The cache behind list pages and answers: a value comes back only under its own version, and the weight bound evicts the least recently used. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VersionedLru } from '../../src/lib/versioned-lru.js';

test('a value is given back only for the version it was read under', () => {
  const lru = new VersionedLru<string>(10);
  lru.set('a', 1, 'page at v1', 1);
  assert.equal(lru.get('a', 1), 'page at v1');
  assert.equal(lru.get('a', 2), undefined);
  lru.set('a', 2, 'page at v2', 1);
  assert.equal(lru.get('a', 1), undefined);
  assert.equal(lru.get('a', 2), 'page at v2');
});

test('the total weight stays within the bound, dropping the least recently used first', () => {
  const lru = new VersionedLru<number>(10);
  lru.set('a', 1, 1, 4);
  lru.set('b', 1, 2, 4);
  assert.equal(lru.get('a', 1), 1);
  lru.set('c', 1, 3, 4);
  assert.equal(lru.get('b', 1), undefined, 'b was the least recently used');
  assert.equal(lru.get('a', 1), 1);
  assert.equal(lru.get('c', 1), 3);
  lru.set('huge', 1, 4, 11);
  assert.equal(lru.get('huge', 1), undefined, 'a value heavier than the bound is not kept');
  assert.equal(lru.get('c', 1), 3);
});

test('when every kept value was used, a new one still fits: each is spared once, then the oldest goes', () => {
  const lru = new VersionedLru<number>(3);
  for (const k of ['a', 'b', 'c']) lru.set(k, 1, 0, 1);
  for (const k of ['a', 'b', 'c']) assert.equal(lru.get(k, 1), 0);
  lru.set('d', 1, 4, 1);
  assert.equal(lru.get('d', 1), 4);
  assert.equal(lru.get('a', 1), undefined, 'a, the oldest, went once all were spared');
  assert.deepEqual(
    ['b', 'c'].map((k) => lru.get(k, 1)),
    [0, 0],
  );
});
