/**
 * The answer cache under a burst: requests that miss together (a change, or a new second for metered lists) share one
 * render instead of each rendering the same answer, and a commit still ends the kept answer for the very next request.
 * The cache also applies the guard of the call its answers stand in for, and keeps each account's answers apart.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { AnswerCache, readAt } from '../../../src/dialects/shared/answer-cache.js';
import { VmListCache } from '../../../src/core/vms/list-cache.js';
import { aliceContext } from '../../support/receipts.js';
import { systemContext } from '../../../src/lib/context.js';
import { CoreError } from '../../../src/lib/errors.js';

/** The guarded call the caches below stand in for. */
const VMS_LIST = { service: 'vms', method: 'list' };
/** An unrestricted caller of an account of its own. */
const who = systemContext('answer-cache-account');

let env: TestEnv;

before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env?.close();
});

test('64 requests missing together share one render; a commit makes the next request render again', async () => {
  const cache = new AnswerCache(env.rt.core, VMS_LIST);
  let renders = 0;
  const render = async () => {
    renders++;
    const n = renders;
    await sleep(20);
    return { text: `answer ${n}`, ok: true };
  };
  const burst = await Promise.all(Array.from({ length: 64 }, () => cache.get(who, 'list', render)));
  assert.equal(renders, 1);
  assert.deepEqual(new Set(burst.map(String)), new Set(['answer 1']));
  assert.equal(String(await cache.get(who, 'list', render)), 'answer 1', 'kept while nothing changed');

  await env.cs.ok('createSSHKeyPair', { name: 'answer-cache-bump' });
  env.rt.core.requestStarted();
  assert.equal(String(await cache.get(who, 'list', render)), 'answer 2', 'rendered again after a commit');
  assert.equal(renders, 2);
});

test('a failed render fails every request that shared it, and the next request renders afresh', async () => {
  const cache = new AnswerCache(env.rt.core, VMS_LIST);
  let calls = 0;
  const failing = async (): Promise<{ text: string; ok: boolean }> => {
    calls++;
    await sleep(10);
    throw new Error('store went away');
  };
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => cache.get(who, 'broken', failing)));
  assert.equal(calls, 1);
  assert.ok(outcomes.every((o) => o.status === 'rejected'));
  assert.equal(String(await cache.get(who, 'broken', async () => ({ text: 'fine', ok: true }))), 'fine');
});

test('a render is given the version its answer is kept under, and the VM list it reads at that version reads no other', async () => {
  const cache = new AnswerCache(env.rt.core, VMS_LIST);
  const ctx = await aliceContext(env, 'test:answer-version');
  const seen: Array<number | undefined> = [];
  const render = async (version?: number) => {
    seen.push(version);
    const page = await env.rt.core.vms.list(readAt(ctx, version));
    return { text: page.items.map((v) => v.id).join(','), ok: true };
  };
  env.rt.core.requestStarted();
  const first = String(await cache.get(who, 'alice-vms', render));
  env.rt.core.requestStarted();
  assert.equal(seen[0], await env.rt.store.dataVersion(), 'the version the answer cache read');

  const made = await env.rt.core.vms.create(ctx, { name: 'answer-version', size: {} });
  await env.rt.engine.wait(made.receipt.taskId, 10_000);
  env.rt.core.requestStarted();
  const second = String(await cache.get(who, 'alice-vms', render));
  assert.ok(seen[1]! > seen[0]!, 'rendered again under the later version');
  assert.ok(second.split(',').includes(made.receipt.objectId), 'and the list read at it shows the new VM');
  assert.ok(!first.split(',').includes(made.receipt.objectId));
});

test('the VM list cache uses a version given by its caller instead of reading one', async () => {
  let versionReads = 0;
  let pageReads = 0;
  const pages = new VmListCache(async () => {
    versionReads++;
    return 1;
  }, 100);
  const read = async () => ({ count: ++pageReads, items: [] });
  assert.equal((await pages.get('k', read, 7)).count, 1);
  assert.equal((await pages.get('k', read, 7)).count, 1, 'kept under version 7');
  assert.equal((await pages.get('k', read, 8)).count, 2, 'read again under version 8');
  assert.equal(versionReads, 0);
  assert.equal((await pages.get('k', read)).count, 3, 'without one it reads the version (1) and misses');
  assert.equal(versionReads, 1);
});

/** A render that waits until released (a release may come before the render starts), numbering its answers. */
function heldRenders() {
  let renders = 0;
  let released = 0;
  const waiting = new Map<number, () => void>();
  const render = async () => {
    const n = ++renders;
    if (released < n) await new Promise<void>((resolve) => waiting.set(n, resolve));
    return { text: `answer ${n}`, ok: true };
  };
  const release = () => {
    released++;
    waiting.get(released)?.();
  };
  return { render, renders: () => renders, release };
}

/** The answer of p if it settled within a few turns, else 'pending'. */
async function settledSoon(p: Promise<Buffer>): Promise<string> {
  return Promise.race([p.then(String), sleep(30).then(() => 'pending')]);
}

test('a metered answer is sent at most a second after its render began, and its successor is rendered ahead without making anyone wait', async () => {
  let now = 0;
  const cache = new AnswerCache(env.rt.core, VMS_LIST, { clock: () => now });
  const { render, renders, release } = heldRenders();
  env.rt.core.requestStarted();
  const first = cache.metered(who, 'acct', render);
  release();
  assert.equal(String(await first), 'answer 1');

  now = 400;
  assert.equal(String(await cache.metered(who, 'acct', render)), 'answer 1', 'kept within half a second');
  assert.equal(renders(), 1);

  now = 600;
  assert.equal(await settledSoon(cache.metered(who, 'acct', render)), 'answer 1', 'sent at once past half a second');
  assert.equal(renders(), 2, 'while the next answer renders in the background');
  assert.equal(await settledSoon(cache.metered(who, 'acct', render)), 'answer 1', 'the one render is shared');
  assert.equal(renders(), 2);
  release();
  await sleep(5);
  now = 700;
  assert.equal(String(await cache.metered(who, 'acct', render)), 'answer 2', 'the new answer once rendered');

  now = 1700;
  const late = cache.metered(who, 'acct', render);
  assert.equal(await settledSoon(late), 'pending', 'an answer whose render began a second ago is not sent');
  release();
  assert.equal(String(await late), 'answer 3');
});

test('a metered answer is rendered again after a commit, however young', async () => {
  let now = 0;
  const cache = new AnswerCache(env.rt.core, VMS_LIST, { clock: () => now });
  const { render, release } = heldRenders();
  env.rt.core.requestStarted();
  const first = cache.metered(who, 'acct', render);
  release();
  assert.equal(String(await first), 'answer 1');
  await env.cs.ok('createSSHKeyPair', { name: 'metered-bump' });
  env.rt.core.requestStarted();
  now = 10;
  const after = cache.metered(who, 'acct', render);
  assert.equal(await settledSoon(after), 'pending');
  release();
  assert.equal(String(await after), 'answer 2');
});

test('peek gives a kept answer without waiting while its version holds, and nothing past a commit, or for a metered answer past half a second', async () => {
  let now = 0;
  const cache = new AnswerCache(env.rt.core, VMS_LIST, { clock: () => now });
  env.rt.core.requestStarted();
  const since = performance.now();
  assert.equal(cache.peek(who, 'k', since), undefined, 'nothing kept yet');
  await cache.get(who, 'k', async () => ({ text: 'kept', ok: true }), since);
  assert.equal(String(cache.peek(who, 'k', since)), 'kept', 'kept under the version read after the request arrived');

  await env.cs.ok('createSSHKeyPair', { name: 'peek-bump' });
  env.rt.core.requestStarted();
  const later = performance.now();
  // SQLite reads the new version at once; PostgreSQL has no read sent after `later` yet and cannot tell: both miss.
  assert.equal(cache.peek(who, 'k', later), undefined, 'a commit ends it for the next request');
  assert.equal(String(await cache.get(who, 'k', async () => ({ text: 'again', ok: true }), later)), 'again');
  assert.equal(String(cache.peek(who, 'k', later)), 'again');

  await cache.metered(who, 'm', async () => ({ text: 'metered', ok: true }), later);
  now = 400;
  assert.equal(String(cache.peek(who, 'm', later, true)), 'metered', 'a metered answer within half a second');
  now = 600;
  assert.equal(cache.peek(who, 'm', later, true), undefined, 'past it, metered() sends it and renders the next');
});

test("a kept answer is refused to a caller the call it stands in for refuses, and is never another account's", async () => {
  const cache = new AnswerCache(env.rt.core, VMS_LIST);
  env.rt.core.requestStarted();
  const since = performance.now();
  await cache.get(who, 'page', async () => ({ text: 'kept', ok: true }), since);
  assert.equal(String(cache.peek(who, 'page', since)), 'kept');

  const noScope = { ...who, permissions: new Set(['database:read']) };
  const forbidden = (e: unknown) => e instanceof CoreError && e.kind === 'Forbidden';
  assert.equal(cache.peek(noScope, 'page', since), undefined, 'a token without vps:read is not given the kept bytes');
  await assert.rejects(
    cache.get(noScope, 'page', async () => ({ text: 'x', ok: true }), since),
    forbidden,
  );
  await assert.rejects(
    cache.metered(noScope, 'page', async () => ({ text: 'x', ok: true }), since),
    forbidden,
  );
  const scoped = { ...who, permissions: new Set(['vps:read']) };
  assert.equal(String(cache.peek(scoped, 'page', since)), 'kept', 'vps:read is what vms.list asks');

  const iamKey = { ...who, operations: new Set(['compute/listVirtualMachines']) };
  assert.equal(cache.peek({ ...iamKey, operation: 'compute/listZones' }, 'page', since), undefined);
  await assert.rejects(
    cache.get({ ...iamKey, operation: 'compute/listZones' }, 'page', async () => ({ text: 'x', ok: true }), since),
    forbidden,
  );
  assert.equal(String(cache.peek({ ...iamKey, operation: 'compute/listVirtualMachines' }, 'page', since)), 'kept');

  const unnamed = new AnswerCache(env.rt.core, undefined);
  await unnamed.get(who, 'page', async () => ({ text: 'command', ok: true }), since);
  assert.equal(
    unnamed.peek(scoped, 'page', since),
    undefined,
    'an answer standing for no listed call: no scoped token',
  );
  await assert.rejects(
    unnamed.get(scoped, 'page', async () => ({ text: 'x', ok: true }), since),
    forbidden,
  );

  const other = systemContext('another-account');
  assert.equal(cache.peek(other, 'page', since), undefined, 'the same key of another account holds nothing');
  assert.equal(String(await cache.get(other, 'page', async () => ({ text: 'theirs', ok: true }), since)), 'theirs');
  assert.equal(String(cache.peek(who, 'page', since)), 'kept', 'and each keeps its own');
});
