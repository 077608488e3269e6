/**
 * Brute force against every dialect over a real listener (issue 9 item 4): a burst of wrong credentials from one source
 * address gets 429 in the dialect's own format with Retry-After, the real user keeps working from their own address
 * during the flood, good credentials work again once Retry-After has passed, unknown and known logins cost the same, and
 * a flood too big for the hashing threads is refused at once instead of queueing without bound.
 * Source addresses vary over 127.0.0.0/8 (Linux routes all of it to lo), bound as each request's local address.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { signedQuery } from './http-cs.js';
import type { CreatedAccount } from '../../src/core/accounts/service.js';

/** Thresholds low enough for a test: 4 failures lock a login, 8 an address, the first lockout lasts 1.5 s. */
const THROTTLE = {
  NUBE_AUTH_FAILURES_PER_LOGIN: '4',
  NUBE_AUTH_FAILURES_PER_ADDRESS: '8',
  NUBE_AUTH_WINDOW_MS: '600000',
  NUBE_AUTH_LOCKOUT_MS: '1500',
  NUBE_AUTH_LOCKOUT_MAX_MS: '6000',
};

/** The real user's usual address (they sign in from it before the attack). */
const HOME = '127.0.0.2';

interface Answer {
  status: number;
  retryAfter?: string;
  type: string;
  body: string;
}

let env: TestEnv;
let port: number;
before(async () => {
  env = await startTestEnv(THROTTLE);
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  port = (env.app.server.address() as AddressInfo).port;
});
after(async () => {
  await env.close();
});

/** One request on a new connection from the given local address. */
function send(from: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', headers, localAddress: from, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            type: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const basic = (login: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`,
});
const junk = () => randomBytes(12).toString('hex');

/** How one dialect is attacked and used. */
interface Dialect {
  name: string;
  /** The real user's request. */
  good(from: string): Promise<Answer>;
  /** Wrong credentials for the real user's login (password, signature, private token). */
  wrongSecret(from: string): Promise<Answer>;
  /** Wrong credentials for logins that do not exist (emails, API keys, public tokens). */
  unknownLogin(from: string): Promise<Answer>;
  /** Why a 429 is not in the dialect's own format, or null. */
  badFormat(a: Answer): string | null;
}

function jsonOf(a: Answer): any {
  try {
    return JSON.parse(a.body);
  } catch {
    return undefined;
  }
}

function dialects(user: CreatedAccount, admin: CreatedAccount): Dialect[] {
  return [
    {
      name: 'CloudSigma (Basic)',
      good: (from) => send(from, '/profile/info', basic(user.user.email, user.credentials.password.password)),
      wrongSecret: (from) => send(from, '/profile/info', basic(user.user.email, junk())),
      unknownLogin: (from) => send(from, '/profile/info', basic(`${junk()}@nube.local`, junk())),
      badFormat: (a) =>
        /^text\/plain/.test(a.type) && /^errors: .*try again/.test(a.body) ? null : `${a.type} ${a.body}`,
    },
    {
      name: 'CloudStack (signatures)',
      good: (from) =>
        send(
          from,
          `/compute?${signedQuery(user.credentials['api-key-pair'].key, user.credentials['api-key-pair'].secret, 'listZones')}`,
        ),
      wrongSecret: (from) =>
        send(from, `/compute?${signedQuery(user.credentials['api-key-pair'].key, junk(), 'listZones')}`),
      unknownLogin: (from) => send(from, `/compute?${signedQuery(junk(), junk(), 'listZones')}`),
      badFormat: (a) => {
        const r = jsonOf(a)?.listzonesresponse;
        return r?.errorcode === 429 && r?.cserrorcode === 9999 && /try again/.test(r?.errortext) ? null : a.body;
      },
    },
    {
      name: 'CVM (token pairs)',
      good: (from) =>
        send(from, '/api/client/vps/list', {
          'api-public-token': user.credentials['token-pair'].public,
          'api-private-token': user.credentials['token-pair'].private,
        }),
      wrongSecret: (from) =>
        send(from, '/api/client/vps/list', {
          'api-public-token': user.credentials['token-pair'].public,
          'api-private-token': junk(),
        }),
      unknownLogin: (from) =>
        send(from, '/api/client/vps/list', { 'api-public-token': junk(), 'api-private-token': junk() }),
      badFormat: (a) => {
        const b = jsonOf(a);
        return Array.isArray(b?.errors) && b.errors.length === 1 && /try again/.test(b.errors[0]) ? null : a.body;
      },
    },
    {
      name: 'admin (Basic)',
      good: (from) => send(from, '/admin/hosts', basic(admin.user.email, admin.credentials.password.password)),
      wrongSecret: (from) => send(from, '/admin/hosts', basic(admin.user.email, junk())),
      unknownLogin: (from) => send(from, '/admin/hosts', basic(`${junk()}@nube.local`, junk())),
      badFormat: (a) => (typeof jsonOf(a)?.error === 'string' && /try again/.test(jsonOf(a).error) ? null : a.body),
    },
  ];
}

/** Sends n attempts, `parallel` at a time, and returns the answers. */
async function flood(n: number, parallel: number, attempt: () => Promise<Answer>): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < n; i += parallel)
    out.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, attempt))));
  return out;
}

/** Checks a flood's answers: a few 401 first, then only 429 in the dialect's format with Retry-After; returns the largest Retry-After. */
function judgeFlood(d: Dialect, what: string, answers: Answer[], most401: number): number {
  const statuses = answers.map((a) => a.status);
  const refused = answers.filter((a) => a.status === 429);
  assert.ok(
    statuses.every((s) => s === 401 || s === 429),
    `${d.name} ${what}: statuses ${statuses.join(' ')}`,
  );
  assert.ok(
    statuses.filter((s) => s === 401).length <= most401,
    `${d.name} ${what}: more than ${most401} wrong guesses were checked: ${statuses.join(' ')}`,
  );
  assert.ok(refused.length >= answers.length - most401, `${d.name} ${what}: too few 429: ${statuses.join(' ')}`);
  let wait = 0;
  for (const a of refused) {
    assert.match(a.retryAfter ?? '', /^[1-9]\d*$/, `${d.name} ${what}: 429 without a Retry-After in seconds`);
    assert.equal(d.badFormat(a), null, `${d.name} ${what}: 429 not in the dialect's format`);
    wait = Math.max(wait, Number(a.retryAfter));
  }
  return wait;
}

test(
  'a burst of wrong credentials gets 429 with Retry-After in every dialect; the real user keeps working; the lock ends after Retry-After',
  { timeout: 120_000 },
  async (t) => {
    const user = await env.rt.core.accounts.createAccount('victim');
    const admin = await env.rt.core.accounts.createAccount('operator', { admin: true });
    const list = dialects(user, admin);
    for (const [i, d] of list.entries()) {
      const guesser = `127.0.${i + 1}.10`;
      const sprayer = `127.0.${i + 1}.11`;
      const stranger = `127.0.${i + 1}.12`;
      assert.equal((await d.good(HOME)).status, 200, `${d.name}: the real user signs in from home before the attack`);

      // Wrong secrets for the real login from one address, with the real user working from home all along.
      let flooding = true;
      const homeDuring: number[] = [];
      const homeLoop = (async () => {
        while (flooding) homeDuring.push((await d.good(HOME)).status);
      })();
      const guesses = await flood(24, 2, () => d.wrongSecret(guesser));
      flooding = false;
      await homeLoop;
      let wait = judgeFlood(d, 'wrong secrets for a real login', guesses, 4 + 1);
      assert.ok(
        homeDuring.length > 0 && homeDuring.every((s) => s === 200),
        `${d.name}: the real user from home got ${homeDuring.join(' ')} during the flood`,
      );
      assert.equal(
        (await d.good(guesser)).status,
        429,
        `${d.name}: the guessing address is refused even with the right credentials`,
      );
      assert.equal(
        (await d.good(stranger)).status,
        429,
        `${d.name}: the locked login refuses an address it never signed in from`,
      );

      // Unknown logins from another address: that address is locked, the real user still works from home.
      const sprayed = await flood(24, 2, () => d.unknownLogin(sprayer));
      wait = Math.max(wait, judgeFlood(d, 'unknown logins', sprayed, 8 + 1));
      assert.equal(
        (await d.good(sprayer)).status,
        429,
        `${d.name}: the spraying address is refused even with the right credentials`,
      );
      assert.equal((await d.good(HOME)).status, 200, `${d.name}: the real user still works from home`);

      await new Promise((r) => setTimeout(r, wait * 1000 + 200));
      for (const from of [guesser, sprayer, stranger]) {
        const a = await d.good(from);
        assert.equal(
          a.status,
          200,
          `${d.name}: right credentials from ${from} after Retry-After: ${a.status} ${a.body.slice(0, 200)}`,
        );
      }
      t.diagnostic(
        `${d.name}: guesses ${guesses.map((a) => a.status).join(' ')}; sprayed ${sprayed.map((a) => a.status).join(' ')}; home ${homeDuring.length}×200 during the flood; waited ${wait} s`,
      );
    }
  },
);

test(
  'an unknown login costs as much as a known login with a wrong password (CloudSigma and admin Basic)',
  { timeout: 120_000 },
  async (t) => {
    const off = await startTestEnv({ NUBE_AUTH_FAILURES_PER_LOGIN: '0', NUBE_AUTH_FAILURES_PER_ADDRESS: '0' });
    try {
      const known = await off.rt.core.accounts.createAccount('known', { admin: true });
      for (const path of ['/profile/info', '/admin/hosts']) {
        const time = async (login: string) => {
          const t0 = performance.now();
          const r = await off.app.inject({ method: 'GET', url: path, headers: basic(login, junk()) });
          assert.equal(r.statusCode, 401);
          return performance.now() - t0;
        };
        const k: number[] = [];
        const u: number[] = [];
        for (let i = 0; i < 3; i++) {
          await time(known.user.email);
          await time(`${junk()}@nube.local`);
        }
        for (let i = 0; i < 30; i++) {
          k.push(await time(known.user.email));
          u.push(await time(`${junk()}@nube.local`));
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
        const [mk, mu] = [median(k), median(u)];
        t.diagnostic(`${path}: median ${mk.toFixed(1)} ms for a known login, ${mu.toFixed(1)} ms for an unknown one`);
        assert.ok(
          Math.max(mk, mu) / Math.min(mk, mu) < 3,
          `${path}: known ${mk.toFixed(1)} ms vs unknown ${mu.toFixed(1)} ms`,
        );
      }
    } finally {
      await off.close();
    }
  },
);

test(
  'a flood larger than the hashing queue is refused at once with 429 and Retry-After; cached users keep working, several requests at once',
  { timeout: 120_000 },
  async () => {
    const busy = await startTestEnv({ NUBE_AUTH_HASH_THREADS: '1', NUBE_AUTH_HASH_QUEUE: '2' });
    try {
      const carol = await busy.rt.core.accounts.createAccount('carol');
      const good = () =>
        busy.app.inject({
          method: 'GET',
          url: '/profile/info',
          headers: basic(carol.user.email, carol.credentials.password.password),
        });
      assert.equal((await good()).statusCode, 200);
      const [answers, during] = await Promise.all([
        Promise.all(
          Array.from({ length: 30 }, () =>
            busy.app.inject({ method: 'GET', url: '/profile/info', headers: basic(`${junk()}@nube.local`, junk()) }),
          ),
        ),
        Promise.all(Array.from({ length: 8 }, () => good())),
      ]);
      const statuses = answers.map((r) => r.statusCode);
      assert.ok(
        statuses.every((s) => s === 401 || s === 429),
        statuses.join(' '),
      );
      const refused = answers.filter((r) => r.statusCode === 429);
      assert.ok(refused.length >= 20, `at most 1 running and 2 queued checks: ${statuses.join(' ')}`);
      for (const r of refused) {
        assert.equal(r.headers['retry-after'], '1');
        assert.match(r.body, /^errors: .*busy/);
      }
      assert.deepEqual(
        during.map((r) => r.statusCode),
        Array(8).fill(200),
        'a user whose login is cached needs no hashing, even with several requests at once',
      );
    } finally {
      await busy.close();
    }
  },
);

test(
  'the same new Basic credentials sent at once on many connections cost one check: none is refused as a flood',
  { timeout: 120_000 },
  async () => {
    const busy = await startTestEnv({ NUBE_AUTH_HASH_THREADS: '1', NUBE_AUTH_HASH_QUEUE: '2' });
    try {
      const dave = await busy.rt.core.accounts.createAccount('dave');
      const headers = basic(dave.user.email, dave.credentials.password.password);
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => busy.app.inject({ method: 'GET', url: '/profile/info', headers })),
      );
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        Array<number>(30).fill(200),
      );
    } finally {
      await busy.close();
    }
  },
);
