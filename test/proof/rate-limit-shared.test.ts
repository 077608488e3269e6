/**
 * Shared rate limits proof: two `nube serve` on one PostgreSQL database count a client's REST calls against one
 * budget, so spreading calls over the processes does not multiply the limit.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TEST_DB, freshDatabase } from '../support/runtime.js';
import { startServe } from './child.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

test(
  'two serves on one PostgreSQL database share one budget: the 61st call of a free account is refused, whichever process gets it',
  {
    skip: TEST_DB === 'postgres' ? false : 'PostgreSQL only (NUBE_TEST_DB=postgres): only a PostgreSQL store is shared',
    timeout: 180_000,
  },
  async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const masterKey = randomBytes(32).toString('hex');
    const other = mkdtempSync(join(tmpdir(), 'nube-rl-'));
    cleanups.push(async () => rmSync(other, { recursive: true, force: true }));
    const a = await startServe(
      { ...db.env, NUBE_MASTER_KEY: masterKey, NUBE_RATE_LIMITS: 'on' },
      { timeoutMs: 60_000 },
    );
    cleanups.push(() => a.stop());
    const b = await startServe(
      { ...db.env, NUBE_DATA_DIR: other, NUBE_MASTER_KEY: masterKey, NUBE_RATE_LIMITS: 'on' },
      { timeoutMs: 60_000 },
    );
    cleanups.push(() => b.stop());
    const creds = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8')) as {
      rest: { token: string };
    };
    // The admin account is Pro: 300 calls a minute, spread here over both processes.
    const call = (base: string) =>
      fetch(`${base}/api/v1/vps`, { headers: { authorization: `Bearer ${creds.rest.token}` } });
    // Fixed one-minute windows: start early in a minute so the 300 calls do not straddle a reset.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const statuses: number[] = [];
    const remaining: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await call(i % 2 === 0 ? a.baseUrl : b.baseUrl);
      statuses.push(res.status);
      remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
      await res.arrayBuffer();
    }
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'the first 300 calls, spread over both servers, all pass',
    );
    assert.equal(remaining.at(-1), 0, 'the last allowed call leaves nothing, counted across both processes');
    assert.equal(new Set(remaining).size, 300, 'each call, on either server, took one from the same budget');
    for (const base of [a.baseUrl, b.baseUrl]) {
      const res = await call(base);
      assert.equal(res.status, 429);
      const body = (await res.json()) as { message: string; retry_after: number };
      assert.equal(body.message, 'Too Many Requests');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
  },
);
