import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import type { CredentialKind, IssuedCredentials } from '../../src/core/credentials/index.js';
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
};

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
  const defaults = created.credentials[kind] as IssuedCredentials[K];
  if (kind !== 'password')
    assert.ok(await c.verify(defaults, true, created.user.email), `${kind}: the default credential still verifies`);
}

test('every issuer issues, verifies, refuses a wrong secret, lists without secrets and revokes', async () => {
  for (const kind of Object.keys(cases) as CredentialKind[]) await check(kind, `cred-${kind}`);
});

test('createAccount issues one working default credential per issuer, keyed by kind', async () => {
  const created = await env.rt.core.accounts.createAccount('cred-all', { password: 'chosen-password' });
  assert.deepEqual(Object.keys(created.credentials).sort(), Object.keys(env.rt.core.credentials.issuers).sort());
  assert.equal(created.credentials.password.password, 'chosen-password');
  for (const kind of Object.keys(cases) as CredentialKind[]) {
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
