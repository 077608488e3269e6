/**
 * The answer cache under a burst: requests that miss together (a change, or a new second for metered lists) share one
 * render instead of each rendering the same answer, and a commit still ends the kept answer for the very next request.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { AnswerCache } from '../../../src/dialects/shared/answer-cache.js';

let env: TestEnv;

before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env?.close();
});

test('64 requests missing together share one render; a commit makes the next request render again', async () => {
  const cache = new AnswerCache(env.rt.core);
  let renders = 0;
  const render = async () => {
    renders++;
    const n = renders;
    await sleep(20);
    return { text: `answer ${n}`, ok: true };
  };
  const burst = await Promise.all(Array.from({ length: 64 }, () => cache.get('list', render)));
  assert.equal(renders, 1);
  assert.deepEqual(new Set(burst.map(String)), new Set(['answer 1']));
  assert.equal(String(await cache.get('list', render)), 'answer 1', 'kept while nothing changed');

  await env.cs.ok('createSSHKeyPair', { name: 'answer-cache-bump' });
  env.rt.core.requestStarted();
  assert.equal(String(await cache.get('list', render)), 'answer 2', 'rendered again after a commit');
  assert.equal(renders, 2);
});

test('a failed render fails every request that shared it, and the next request renders afresh', async () => {
  const cache = new AnswerCache(env.rt.core);
  let calls = 0;
  const failing = async (): Promise<{ text: string; ok: boolean }> => {
    calls++;
    await sleep(10);
    throw new Error('store went away');
  };
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => cache.get('broken', failing)));
  assert.equal(calls, 1);
  assert.ok(outcomes.every((o) => o.status === 'rejected'));
  assert.equal(String(await cache.get('broken', async () => ({ text: 'fine', ok: true }))), 'fine');
});
