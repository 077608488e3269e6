import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import type { CredentialKind, DefaultKind, IssuedCredentials } from '../../src/core/credentials/index.js';
import type { Principal } from '../../src/core/accounts/principal.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

/** How to present an issued credential (right or wrong) and how to name it for revoke, per kind. */
interface Case<K extends CredentialKind> {
  verify(shown: IssuedCredentials[K], right: boolean, login: string): Promise<Principal | undefined>;
  ref(shown: IssuedCredentials[K], userId: string): string;
  secret(shown: IssuedCredentials[K]): string;
}

/** One case per issuer: the compiler asks for a case when an issuer is added to the registry. */
const cases: { [K in CredentialKind]: Case<K> } = {
  password: {
    verify: (s, right, login) =>
      env.rt.core.credentials.issuers.password.verify(
        { login, password: right ? s.password : `${s.password}x` },
        '10.0.0.1',
      ),
    ref: (_s, userId) => userId,
    secret: (s) => s.password,
  },
  'api-key-pair': {
    verify: (s, right) =>
      env.rt.core.credentials.issuers['api-key-pair'].verify(
        { key: s.key, check: (secret) => right && secret === s.secret },
        '10.0.0.1',
      ),
    ref: (s) => s.key,
    secret: (s) => s.secret,
  },
  'token-pair': {
    verify: async (s, right) =>
      (
        await env.rt.core.credentials.issuers['token-pair'].verify(
          { public: s.public, private: right ? s.private : 'x'.repeat(32) },
          '10.0.0.1',
        )
      )?.principal,
    ref: (s) => s.public,
    secret: (s) => s.private,
  },
  'user-api-key': {
    verify: (s, right) =>
      env.rt.core.credentials.issuers['user-api-key'].verify(right ? s.apiKey : 'f'.repeat(40), '10.0.0.1'),
    ref: (s) => s.apiKey,
    secret: (s) => s.apiKey,
  },
  'session-token': {
    verify: (s, right) =>
      env.rt.core.credentials.issuers['session-token'].verify(right ? s.token : '0'.repeat(40), '10.0.0.1'),
    ref: (s) => s.token,
    secret: (s) => s.token,
  },
  'api-token': {
    verify: async (s, right) =>
      (
        await env.rt.core.credentials.issuers['api-token'].verify(
          right ? s.token : `${s.id}|${'x'.repeat(40)}`,
          '10.0.0.1',
        )
      )?.principal,
    ref: (s) => String(s.id),
    secret: (s) => s.token.split('|')[1]!,
  },
};

/** Kinds a new account gets by default (session tokens come from a login). */
const DEFAULT_KINDS = (Object.keys(cases) as CredentialKind[]).filter((k) => k !== 'session-token') as DefaultKind[];

async function check<K extends CredentialKind>(kind: K, name: string): Promise<void> {
  const { accounts, credentials } = env.rt.core;
  const created = await accounts.createAccount(name);
  const { account, shown } = await credentials.issueTo(kind, name, { name: 'extra' });
  assert.equal(account.id, created.account.id);
  const c = cases[kind] as Case<K>;
  const good = await c.verify(shown, true, created.user.email);
  assert.equal(good?.account.id, created.account.id, `${kind}: the issued credential verifies to its account`);
  assert.equal(good?.user.id, created.user.id);
  assert.equal(await c.verify(shown, false, created.user.email), undefined, `${kind}: a wrong secret does not verify`);
  const listed = JSON.stringify(await credentials.list(kind, name));
  assert.ok(listed.length > 2 && !listed.includes(c.secret(shown)), `${kind}: listed, never with its secret`);
  await credentials.issuers[kind].revoke(c.ref(shown, created.user.id));
  assert.equal(
    await c.verify(shown, true, created.user.email),
    undefined,
    `${kind}: a revoked credential does not verify`,
  );
  if (kind === 'password' || kind === 'session-token') return;
  const defaults = created.credentials[kind as DefaultKind] as IssuedCredentials[K];
  if (kind !== 'user-api-key')
    assert.ok(await c.verify(defaults, true, created.user.email), `${kind}: the default credential still verifies`);
}

test('every issuer issues, verifies, refuses a wrong secret, lists without secrets and revokes', async () => {
  for (const kind of Object.keys(cases) as CredentialKind[]) await check(kind, `cred-${kind}`);
});

test('createAccount issues one working default credential per issuer, keyed by kind', async () => {
  const created = await env.rt.core.accounts.createAccount('cred-all', { password: 'chosen-password' });
  assert.deepEqual(Object.keys(created.credentials).sort(), [...DEFAULT_KINDS].sort());
  assert.equal(created.credentials.password.password, 'chosen-password');
  for (const kind of DEFAULT_KINDS) {
    const shown = created.credentials[kind];
    const principal = await (cases[kind] as Case<typeof kind>).verify(shown as never, true, created.user.email);
    assert.equal(principal?.account.id, created.account.id, `${kind}: the default credential verifies`);
  }
  const user = await env.rt.core.accounts.createUser('cred-all', 'cred-second', { password: 'second-password' });
  const second = await env.rt.core.credentials.issuers.password.verify(
    { login: 'cred-second', password: 'second-password' },
    '10.0.0.2',
  );
  assert.equal(second?.user.id, user.user.id, 'createUser sets the password through the password issuer');
});

test('a login issues a 40-hex session token that replaces the earlier one and refuses users without API access', async () => {
  const { accounts, credentials } = env.rt.core;
  const created = await accounts.createAccount('cred-login', { password: 'login-password' });
  const tokens = credentials.issuers['session-token'];
  const first = await tokens.login('cred-login', 'login-password', '10.0.0.3');
  assert.ok('token' in first && /^[0-9a-f]{40}$/.test(first.token.token));
  const second = await tokens.login('cred-login', 'login-password', '10.0.0.3');
  assert.ok('token' in second && 'token' in first);
  assert.equal(await tokens.verify(first.token.token, '10.0.0.3'), undefined, 'the earlier token stops working');
  assert.equal((await tokens.verify(second.token.token, '10.0.0.3'))?.user.id, created.user.id);
  assert.deepEqual(await tokens.login('cred-login', 'wrong', '10.0.0.4'), { refused: 'bad_credentials' });
  const keys = credentials.issuers['user-api-key'];
  const regenerated = await keys.regenerate(
    { accountId: created.account.id, userId: created.user.id },
    { apiKey: true },
  );
  assert.notEqual(regenerated.apiKey, created.credentials['user-api-key'].apiKey);
  assert.equal(regenerated.callbackKey, created.credentials['user-api-key'].callbackKey, 'the callback key is kept');
  assert.equal(await keys.verify(created.credentials['user-api-key'].apiKey, '10.0.0.5'), undefined);
  assert.equal((await keys.verify(regenerated.apiKey, '10.0.0.5'))?.user.id, created.user.id);
});

test('a prepared account is written only by create, and its password works; one never created leaves nothing', async () => {
  const accounts = env.rt.core.accounts;
  const prepared = accounts.prepareAccount('prepared1', { password: 'Prepared-pass-1' });
  accounts.prepareAccount('abandoned1');
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(accounts.accountByName('prepared1'), /not found/i);
  const created = await prepared.create();
  assert.equal(created.credentials.password.password, 'Prepared-pass-1');
  const p = await env.rt.core.credentials.issuers.password.verify(
    { login: 'prepared1@nube.local', password: 'Prepared-pass-1' },
    '10.0.0.9',
  );
  assert.equal(p?.account.name, 'prepared1');
  await assert.rejects(accounts.accountByName('abandoned1'), /not found/i);
  assert.throws(() => accounts.prepareAccount('bad name!'), /Account names/);
});
