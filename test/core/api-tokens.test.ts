import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { CoreError } from '../../src/lib/errors.js';
import type { CallContext } from '../../src/lib/context.js';
import { DEFAULT_PERMISSIONS, ROLES } from '../../src/core/permissions.js';
import type { ApiTokenAuth } from '../../src/core/credentials/api-token.js';

let env: TestEnv;
let sourceNo = 0;
/** A fresh source address per check, so the throttle (on in this file) only locks where a test wants it. */
const src = () => `10.7.${Math.floor(++sourceNo / 250)}.${sourceNo % 250}`;

before(async () => {
  env = await startTestEnv({ NUBE_AUTH_FAILURES_PER_ADDRESS: '5', NUBE_AUTH_FAILURES_PER_LOGIN: '50' });
});
after(async () => {
  await env.close();
});

const tokens = () => env.rt.core.credentials.issuers['api-token'];

async function owner(name: string) {
  const a = await env.rt.core.accounts.createAccount(name);
  return { created: a, owner: { accountId: a.account.id, userId: a.user.id } };
}

/** The kind of the CoreError fn throws. */
async function kindOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'none';
  } catch (err) {
    assert.ok(err instanceof CoreError, String(err));
    return err.kind;
  }
}

/** A CallContext as a dialect builds it from a verified token. */
function ctxOf(auth: ApiTokenAuth): CallContext {
  const { account, user } = auth.principal;
  return {
    accountId: account.id,
    accountName: account.name,
    userId: user.id,
    isAdmin: false,
    requestId: 'test',
    origin: 'rest:test',
    permissions: auth.permissions,
  };
}

test('a token is `<id>|<40 letters and digits>`, verifies to its owner with the default permissions and is stored only hashed', async () => {
  const { created, owner: o } = await owner('tok-format');
  const shown = await tokens().issueFor(o, { name: 'ci' });
  assert.match(shown.token, /^[0-9]+\|[A-Za-z0-9]{40}$/);
  assert.equal(shown.token.split('|')[0], String(shown.id));
  assert.equal(shown.name, 'ci');
  assert.deepEqual(shown.permissions, [...DEFAULT_PERMISSIONS]);
  assert.equal(shown.expiresAt, null);

  const auth = await tokens().verify(shown.token, src());
  assert.equal(auth?.principal.account.id, created.account.id);
  assert.equal(auth?.principal.user.id, created.user.id);
  assert.equal(auth?.tokenId, shown.id);
  assert.deepEqual([...(auth?.permissions ?? [])].sort(), [...DEFAULT_PERMISSIONS].sort());

  const secret = shown.token.split('|')[1]!;
  const rows = await env.rt.store.db.selectFrom('api_tokens').selectAll().execute();
  assert.ok(rows.length >= 2, 'the default token and this one are stored');
  assert.ok(!JSON.stringify(rows).includes(secret), 'the secret is never stored in clear');
  const row = rows.find((r) => Number(r.id) === shown.id)!;
  assert.match(row.token_hash, /^[0-9a-f]{64}$/);
  assert.ok(row.last_used_at, 'a verified token records when it was used');

  const listed = await tokens().list(created.account);
  assert.deepEqual(
    listed.map((t) => t.name),
    ['default', 'ci'],
  );
  const text = JSON.stringify(listed);
  assert.ok(!text.includes(secret) && !text.includes(row.token_hash), 'the list has neither secret nor hash');
  assert.equal(listed[1]!.lastUsedAt, row.last_used_at);
});

test('last_used_at is written at most once a minute, not on every request', async () => {
  const { owner: o } = await owner('tok-used');
  const shown = await tokens().issueFor(o, {});
  const usedAt = async () =>
    (
      await env.rt.store.db
        .selectFrom('api_tokens')
        .select('last_used_at')
        .where('id', '=', shown.id)
        .executeTakeFirst()
    )?.last_used_at;
  assert.equal(await usedAt(), null);
  await tokens().verify(shown.token, src());
  const first = await usedAt();
  assert.ok(first);
  await new Promise((r) => setTimeout(r, 20));
  await tokens().verify(shown.token, src());
  assert.equal(await usedAt(), first, 'a second use within a minute does not write');
  const old = new Date(Date.now() - 120_000).toISOString();
  await env.rt.store.db.updateTable('api_tokens').set({ last_used_at: old }).where('id', '=', shown.id).execute();
  await tokens().verify(shown.token, src());
  assert.ok((await usedAt())! > old, 'a use more than a minute later is recorded');
});

test('wrong secrets, unknown ids, revoked and expired tokens and garbage are refused without throwing', async () => {
  const { created, owner: o } = await owner('tok-refused');
  const shown = await tokens().issueFor(o, { role: 'editor' });
  const [id, secret] = shown.token.split('|') as [string, string];
  const flipped = secret[0] === 'a' ? `b${secret.slice(1)}` : `a${secret.slice(1)}`;
  for (const bad of [
    `${id}|${flipped}`,
    `999999|${secret}`,
    secret,
    `${id}|`,
    `|${secret}`,
    `${id}|${secret}x`,
    `${id} |${secret}`,
    `-1|${secret}`,
    `${'9'.repeat(400)}|${secret}`,
    '',
    '|',
    'null',
    '💥|💥',
    `${id}|${secret}`.replace('|', '%7C'),
    'x'.repeat(100_000),
  ])
    assert.equal(await tokens().verify(bad, src()), undefined, `refused: ${bad.slice(0, 60)}`);
  assert.equal(await tokens().verify(undefined as unknown as string, src()), undefined);
  assert.ok(await tokens().verify(shown.token, src()), 'the right token still works');

  const expiring = await tokens().issueFor(o, { expiresAt: new Date(Date.now() + 1200).toISOString() });
  assert.ok(await tokens().verify(expiring.token, src()));
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(await tokens().verify(expiring.token, src()), undefined, 'an expired token is refused');

  assert.equal(await kindOf(() => tokens().revoke(`${id}|${flipped}`)), 'NotFound', 'revoking needs the right secret');
  await tokens().revoke(shown.token);
  assert.equal(await tokens().verify(shown.token, src()), undefined, 'a revoked token is refused');
  assert.equal(await kindOf(() => tokens().revoke(id)), 'NotFound', 'already revoked');
  assert.equal(await kindOf(() => tokens().revoke('garbage')), 'NotFound');

  const other = await tokens().issueFor(o, {});
  const { created: mallory } = await owner('tok-mallory');
  assert.equal(await kindOf(() => tokens().revokeOwned(mallory.account.id, other.id)), 'NotFound');
  assert.ok(await tokens().verify(other.token, src()), 'another account cannot revoke it');
  await tokens().revokeOwned(created.account.id, other.id);
  assert.equal(await tokens().verify(other.token, src()), undefined);
  assert.equal(await kindOf(() => tokens().revokeOwned(created.account.id, other.id)), 'NotFound');
  const listed = await tokens().list(created.account);
  assert.equal(listed.filter((t) => t.revokedAt).length, 2);
  assert.ok(listed.find((t) => t.id === expiring.id)?.expiresAt);
});

test('a disabled user or account makes its tokens stop working', async () => {
  const { created, owner: o } = await owner('tok-disabled');
  const shown = await tokens().issueFor(o, {});
  const db = env.rt.store.db;
  await db.updateTable('users').set({ state: 'disabled' }).where('id', '=', created.user.id).execute();
  assert.equal(await tokens().verify(shown.token, src()), undefined);
  await db.updateTable('users').set({ state: 'enabled' }).where('id', '=', created.user.id).execute();
  await db.updateTable('accounts').set({ state: 'disabled' }).where('id', '=', created.account.id).execute();
  assert.equal(await tokens().verify(shown.token, src()), undefined);
  await db.updateTable('accounts').set({ state: 'enabled' }).where('id', '=', created.account.id).execute();
  assert.ok(await tokens().verify(shown.token, src()));
});

test('roles and scopes: admin is unrestricted, editor cannot delete, unknown scopes and bad expiries are refused, and the guard enforces them', async () => {
  const { created, owner: o } = await owner('tok-roles');
  const def = created.credentials['api-token'];
  assert.equal(def.name, 'default');
  assert.deepEqual(def.permissions, ['*'], "a new account's default token has the Admin role");
  const defAuth = await tokens().verify(def.token, src());
  assert.equal(defAuth?.permissions, undefined, 'and is unrestricted');

  const admin = await tokens().issueFor(o, { role: 'admin' });
  assert.deepEqual(admin.permissions, ['*']);
  const editor = await tokens().issueFor(o, { role: 'editor' });
  assert.deepEqual(editor.permissions, [...ROLES.editor]);
  assert.ok(!editor.permissions.some((p) => p.endsWith(':delete')));
  const scoped = await tokens().issueFor(o, { permissions: ['firewall:read', 'firewall:read', 'vps:write'] });
  assert.deepEqual(scoped.permissions, ['firewall:read', 'vps:write']);

  for (const [opts, field] of [
    [{ permissions: ['vps:read', 'vps:fly', 'dns:read'] }, 'permissions'],
    [{ role: 'owner' }, 'role'],
    [{ expiresAt: 'next tuesday' }, 'expires_at'],
    [{ expiresAt: '2020-01-01T00:00:00Z' }, 'expires_at'],
    [{ name: '' }, 'name'],
  ] as const) {
    const err = await tokens()
      .issueFor(o, opts as never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof CoreError && err.kind === 'Invalid', `${JSON.stringify(opts)} is refused`);
    assert.ok(err.fields[field], `${JSON.stringify(opts)} names ${field}`);
    if (field === 'permissions') assert.match(err.message, /vps:fly, dns:read/);
  }

  const readOnly = await tokens().verify((await tokens().issueFor(o, {})).token, src());
  const ctx = ctxOf(readOnly!);
  assert.equal(
    await kindOf(() => env.rt.core.firewalls.list(ctx)),
    'Forbidden',
    'default tokens cannot read firewalls',
  );
  assert.equal(await kindOf(() => env.rt.core.vms.list(ctx)), 'none', 'but can read VPSes');
  const fw = ctxOf((await tokens().verify(scoped.token, src()))!);
  assert.equal(await kindOf(() => env.rt.core.firewalls.list(fw)), 'none', 'firewall:read may list firewalls');
});

test('guessing secrets is throttled per source address', async () => {
  const { owner: o } = await owner('tok-throttle');
  const shown = await tokens().issueFor(o, {});
  const id = shown.token.split('|')[0];
  const attacker = '10.9.9.9';
  for (let i = 0; i < 5; i++) assert.equal(await tokens().verify(`${id}|${'Z'.repeat(40)}`, attacker), undefined);
  assert.equal(await kindOf(() => tokens().verify(shown.token, attacker)), 'RateLimited', 'the address is locked');
  assert.ok(await tokens().verify(shown.token, src()), 'other addresses are not');
  const victim = await tokens().issueFor(o, {});
  const victimId = victim.token.split('|')[0];
  for (let i = 0; i < 60; i++) await tokens().verify(`${victimId}|${'Y'.repeat(40)}`, src());
  assert.ok(await tokens().verify(victim.token, src()), 'guesses spread over many addresses do not lock the token out');
});
