/**
 * Credential lookups are kept between changes, never across one: a key revoked, a password changed, a token revoked or
 * an account disabled through another database connection (as another `nube serve` would) is refused on the very
 * next request of every dialect, and re-enabling is seen as promptly.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import {
  listen,
  wireCredentials,
  WireCs,
  WireCvm,
  WireRest,
  WireSigma,
  type WireCredentials,
} from './wire-dialects.js';
import { openStore, type Store } from '../../src/store/db.js';
import { sqlitePath } from '../../src/config.js';

let env: TestEnv;
let base: string;
let other: Store;

before(async () => {
  env = await startTestEnv({ NUBE_RATE_LIMITS: 'off' });
  base = await listen(env);
  other = openStore(
    TEST_DB === 'postgres' ? { databaseUrl: env.config.databaseUrl } : { sqlitePath: sqlitePath(env.config) },
  );
});
after(async () => {
  await other?.close();
  await env?.close();
});

/** Each dialect's clients of one account and a call that answers its HTTP status. */
function clients(creds: WireCredentials) {
  const cs = new WireCs(base, creds.cloudstack.key, creds.cloudstack.secret, 1);
  const sigma = new WireSigma(base, creds.cloudsigma.email, creds.cloudsigma.password);
  const cvm = new WireCvm(base, creds.cvm.publicToken, creds.cvm.privateToken);
  const rest = new WireRest(base, creds.rest.token);
  return {
    cs,
    status: {
      cloudstack: async () => (await cs.call('listVirtualMachines', {})).status,
      cloudsigma: async () => (await sigma.req('GET', '/servers/info')).status,
      cvm: async () => (await cvm.call('GET', '/vps/list')).status,
      rest: async () => (await rest.call('GET', '/vps')).status,
    },
  };
}

/** Every dialect's status, each called twice first so that a kept lookup would answer if it could. */
async function statuses(s: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, f] of Object.entries(s)) out[k] = await f();
  return out;
}

test('a disabled account is refused by every dialect on the next request, and served again once enabled', async () => {
  const creds = await wireCredentials(env, 'auth-fresh-a');
  const c = clients(creds);
  try {
    await statuses(c.status);
    assert.deepEqual(await statuses(c.status), { cloudstack: 200, cloudsigma: 200, cvm: 200, rest: 200 });
    await other.tx((trx) =>
      trx.updateTable('accounts').set({ state: 'disabled' }).where('name', '=', 'auth-fresh-a').execute(),
    );
    const refused = await statuses(c.status);
    for (const [dialect, status] of Object.entries(refused))
      assert.ok(status === 401 || status === 403, `${dialect} answered ${status} for a disabled account`);
    await other.tx((trx) =>
      trx.updateTable('accounts').set({ state: 'enabled' }).where('name', '=', 'auth-fresh-a').execute(),
    );
    assert.deepEqual(await statuses(c.status), { cloudstack: 200, cloudsigma: 200, cvm: 200, rest: 200 });
  } finally {
    await c.cs.close();
  }
});

test('a credential revoked or a password changed elsewhere is refused on the next request', async () => {
  const creds = await wireCredentials(env, 'auth-fresh-b');
  const c = clients(creds);
  try {
    await statuses(c.status);
    assert.deepEqual(await statuses(c.status), { cloudstack: 200, cloudsigma: 200, cvm: 200, rest: 200 });
    const now = new Date().toISOString();
    await other.tx((trx) =>
      trx
        .updateTable('credentials')
        .set({ revoked_at: now })
        .where('public_key', 'in', [creds.cloudstack.key, creds.cvm.publicToken])
        .execute(),
    );
    assert.deepEqual(await statuses(c.status), { cloudstack: 401, cloudsigma: 200, cvm: 401, rest: 200 });
    await other.tx((trx) => trx.updateTable('api_tokens').set({ revoked_at: now }).execute());
    assert.deepEqual(await statuses(c.status), { cloudstack: 401, cloudsigma: 200, cvm: 401, rest: 401 });
    await other.tx((trx) =>
      trx
        .updateTable('users')
        .set({ password_hash: 'scrypt$AAAA$BBBB' })
        .where('email', '=', creds.cloudsigma.email)
        .execute(),
    );
    assert.deepEqual(await statuses(c.status), { cloudstack: 401, cloudsigma: 401, cvm: 401, rest: 401 });
  } finally {
    await c.cs.close();
  }
});
