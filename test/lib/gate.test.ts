/** Gate: at most limit calls run at once, waiters start in arrival order, and a failed call gives its place back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from '../../src/lib/gate.js';

test('a gate of 2 runs 6 calls two at a time, in arrival order, and a failure frees its place', async () => {
  const gate = new Gate(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const call = (i: number) =>
    gate.run(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 1) throw new Error('call 1 fails');
      return i;
    });
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(call));
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  assert.equal(results[1]!.status, 'rejected');
  assert.deepEqual(
    results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value),
    [0, 2, 3, 4, 5],
  );
  assert.equal(await gate.run(async () => 'free again'), 'free again');
});
