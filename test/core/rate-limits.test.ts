import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { sql } from 'kysely';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { createRuntime } from '../../src/runtime.js';
import { migrate } from '../../src/store/migrate.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { RateLimitService, type RateVerdict } from '../../src/core/rate-limits/service.js';
import { CoreError } from '../../src/lib/errors.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

/** 2026-03-02T10:00:00Z: the start of a day, an hour and a minute. */
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

/** A rate-limit service over the test database whose clock the test moves. */
function clocked() {
  const clock = { now: T0 + 5_000 };
  return { clock, limits: new RateLimitService(env.rt.store, true, () => clock.now) };
}

async function accountId(name: string, tier?: string): Promise<string> {
  const a = await env.rt.core.accounts.createAccount(name);
  if (tier) await env.rt.core.accounts.setTier(name, tier);
  return a.account.id;
}

/** Sends n requests one after the other; the verdicts. */
async function hits(limits: RateLimitService, id: string, n: number): Promise<RateVerdict[]> {
  const out: RateVerdict[] = [];
  for (let i = 0; i < n; i++) out.push((await limits.hit(id))!);
  return out;
}

/** Waits out the end of the current minute when it is near, so a test of "within one minute" is not cut in two. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 100));
}

test('the free tier allows 60 requests a minute and refuses the 61st with the seconds until the minute resets', async () => {
  const { clock, limits } = clocked();
  const id = await accountId('rl-free');
  const ok = await hits(limits, id, 60);
  assert.deepEqual(
    ok.slice(0, 3).map((v) => [v.limit, v.remaining, v.reset, v.retryAfter]),
    [
      [60, 59, T0 / 1000 + 60, undefined],
      [60, 58, T0 / 1000 + 60, undefined],
      [60, 57, T0 / 1000 + 60, undefined],
    ],
  );
  assert.equal(ok.at(-1)!.remaining, 0);
  assert.ok(ok.every((v) => v.retryAfter === undefined));
  clock.now = T0 + 20_000;
  const refused = (await limits.hit(id))!;
  assert.deepEqual(refused, { limit: 60, remaining: 0, reset: T0 / 1000 + 60, retryAfter: 40 });
  clock.now = T0 + 60_000;
  assert.deepEqual(await limits.hit(id), { limit: 60, remaining: 59, reset: T0 / 1000 + 120 }, 'a new minute');
});

test('starter allows 120 a minute and pro 300; set-tier names only known tiers; admin accounts are pro', async () => {
  const { limits } = clocked();
  const starter = await accountId('rl-starter', 'starter');
  const pro = await accountId('rl-pro', 'pro');
  assert.equal((await env.rt.core.rateLimits.hit(pro))!.limit, 300);
  const s = await hits(limits, starter, 121);
  assert.deepEqual([s[0]!.limit, s[119]!.remaining, s[119]!.retryAfter, s[120]!.retryAfter], [120, 0, undefined, 55]);
  const p = await hits(limits, pro, 301);
  assert.deepEqual([p[0]!.limit, p[299]!.remaining, p[299]!.retryAfter, p[300]!.retryAfter], [300, 0, undefined, 55]);

  const err = await env.rt.core.accounts.setTier('rl-pro', 'gold').catch((e: unknown) => e);
  assert.ok(err instanceof CoreError && err.kind === 'Invalid' && err.fields.tier);
  assert.equal((await env.rt.core.accounts.accountByName('rl-pro')).tier, 'pro');
  assert.equal((await env.rt.core.accounts.accountByName('rl-free')).tier, 'free', 'new accounts are free');
  await env.rt.core.accounts.createAccount('rl-admin', { admin: true });
  assert.equal((await env.rt.core.accounts.accountByName('rl-admin')).tier, 'pro');

  await env.rt.core.accounts.setTier('rl-pro', 'free');
  const after = (await env.rt.core.rateLimits.hit(pro))!;
  assert.equal(after.limit, 60, 'a tier change applies to the next request');
});

test('the hour and day budgets refuse with their own reset, and refused requests do not use them up', async () => {
  const { clock, limits } = clocked();
  const id = await accountId('rl-hour');
  assert.equal((await hits(limits, id, 60)).at(-1)!.remaining, 0);
  const hammered = await hits(limits, id, 1000);
  assert.ok(
    hammered.every((v) => v.retryAfter !== undefined),
    'a client hammering at 429 is refused',
  );
  clock.now = T0 + 60_000;
  assert.equal((await limits.hit(id))!.retryAfter, undefined, 'and gets through once the minute resets');

  for (let m = 2; m <= 17; m++) {
    clock.now = T0 + m * 60_000;
    await hits(limits, id, 60);
  }
  clock.now = T0 + 18 * 60_000 + 30_000;
  const hour = (await limits.hit(id))!;
  assert.deepEqual(hour, { limit: 1000, remaining: 0, reset: T0 / 1000 + 3600, retryAfter: 3600 - 18 * 60 - 30 });
  clock.now = T0 + 3600_000;
  assert.equal((await limits.hit(id))!.retryAfter, undefined, 'a new hour');

  const dayStart = T0 / 1000 - 10 * 3600;
  await env.rt.store.db
    .updateTable('rate_counters')
    .set({ count: 9999 })
    .where('account_id', '=', id)
    .where('span', '=', 'day')
    .where('window_start', '=', dayStart)
    .execute();
  assert.equal((await limits.hit(id))!.retryAfter, undefined, 'the 10000th request of the day');
  const day = (await limits.hit(id))!;
  assert.deepEqual(day, { limit: 10000, remaining: 0, reset: dayStart + 86400, retryAfter: 13 * 3600 });
  clock.now = (dayStart + 86400) * 1000;
  assert.deepEqual(await limits.hit(id), { limit: 60, remaining: 59, reset: dayStart + 86400 + 60 }, 'a new day');
});

test('NUBE_RATE_LIMITS=off turns the limits off; other values are refused', async () => {
  assert.equal(loadConfig({}).rateLimits, true);
  assert.equal(loadConfig({ NUBE_RATE_LIMITS: 'OFF' }).rateLimits, false);
  assert.throws(() => loadConfig({ NUBE_RATE_LIMITS: 'maybe' }), ConfigError);
  const off = await startTestEnv({ NUBE_RATE_LIMITS: 'off' });
  try {
    const id = (await off.rt.core.accounts.accountByName('alice')).id;
    for (let i = 0; i < 70; i++) assert.equal(await off.rt.core.rateLimits.hit(id), undefined);
    const counted = await off.rt.store.db.selectFrom('rate_counters').selectAll().execute();
    assert.deepEqual(counted, [], 'nothing is counted');
  } finally {
    await off.close();
  }
});

test(
  'two processes on one PostgreSQL database share one budget',
  { skip: TEST_DB !== 'postgres' && 'SQLite is owned by one process' },
  async () => {
    const other = await createRuntime(env.config, { log: pino({ level: 'silent' }), masterKey: env.masterKey });
    try {
      const id = await accountId('rl-shared');
      await awayFromMinuteEnd();
      const verdicts = await Promise.all(
        Array.from({ length: 80 }, (_, i) => (i % 2 ? other : env.rt).core.rateLimits.hit(id)),
      );
      assert.equal(verdicts.filter((v) => v!.retryAfter === undefined).length, 60, 'exactly 60 get through');
      assert.equal(verdicts.filter((v) => v!.retryAfter !== undefined).length, 20);
      assert.ok((await other.core.rateLimits.hit(id))!.retryAfter! > 0, 'the other process sees the budget spent');
      assert.ok((await env.rt.core.rateLimits.hit(id))!.retryAfter! > 0);
    } finally {
      await other.close();
    }
  },
);

test('migration 0022 puts existing admin accounts on the pro tier and the others on free', async () => {
  const db = env.rt.store.db;
  await sql`drop table api_tokens`.execute(db);
  await sql`drop table rate_counters`.execute(db);
  await sql`alter table accounts drop column tier`.execute(db);
  await sql`delete from nube_migrations where name = '0022-api-tokens'`.execute(db);
  const now = new Date().toISOString();
  await sql`insert into accounts (id, name, email, type, state, created_at)
    values ('old-admin', 'old-admin', 'old-admin@nube.local', 'admin', 'enabled', ${now}),
           ('old-user', 'old-user', 'old-user@nube.local', 'user', 'enabled', ${now})`.execute(db);
  assert.deepEqual(await migrate(env.rt.store), ['0022-api-tokens']);
  const tiers = await db
    .selectFrom('accounts')
    .select(['name', 'tier'])
    .where('name', 'in', ['old-admin', 'old-user', 'alice'])
    .orderBy('name')
    .execute();
  assert.deepEqual(
    tiers.map((a) => [a.name, a.tier]),
    [
      ['alice', 'free'],
      ['old-admin', 'pro'],
      ['old-user', 'free'],
    ],
  );
});
