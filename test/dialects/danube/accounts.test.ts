import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import { generateKeyPair } from '../../../src/core/ssh-keys/crypto.js';

let d: DanubeEnv;
before(async () => {
  d = await startDanube();
});
after(async () => {
  await d.close();
});

/** A new user of bob's account made through the API, with the given extra fields. */
async function bobUser(username: string, extra: Record<string, unknown> = {}) {
  return d.bob.create(`/accounts/user/${username}`, {
    first_name: 'Carl',
    last_name: 'Doe',
    email: `${username}@example.com`,
    password: `${username}-password`,
    ...extra,
  });
}

test('an account owner creates a user with API access and a key; the user signs in and uses both', async () => {
  const made = await bobUser('carl', { api_access: true, api_key: true });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.status, 'SUCCESS');
  assert.deepEqual(
    { ...made.body.result, created: undefined },
    {
      username: 'carl',
      current_dc: 'main',
      email: 'carl@example.com',
      first_name: 'Carl',
      last_name: 'Doe',
      is_super_admin: false,
      is_active: true,
      api_access: true,
      groups: [],
      created: undefined,
      dc_bound: false,
    },
  );
  assert.ok(!made.text.includes('password') && !made.text.includes('api_key'), 'no secrets in the answer');
  assert.equal((await bobUser('carl')).status, 406);
  assert.deepEqual((await bobUser('carl')).body, { detail: 'User already exists' });

  const carl = d.client();
  assert.equal((await carl.login('carl', 'carl-password')).status, 200);
  const me = await carl.get('/accounts/user/profile');
  assert.equal(me.status, 200);
  assert.equal(me.body.result.username, 'carl');
  assert.equal(me.body.result.email, 'carl@example.com');
  const keys = await carl.get('/accounts/user/carl/apikeys');
  assert.equal(keys.status, 200);
  assert.match(keys.body.result.api_key, /^[0-9a-f]{40}$/);
  assert.equal(keys.body.result.callback_key, '', 'no callback key was asked for');
  const viaKey = await d.client({ apiKey: keys.body.result.api_key }).get('/accounts/user/carl');
  assert.equal(viaKey.status, 200);
  assert.equal(viaKey.headers.es_username, 'carl');
  assert.equal((await carl.get('/accounts/user')).status, 403, 'a plain user manages no users');
  assert.equal((await carl.get('/accounts/user/bob')).status, 403);
  const byCarl = await carl.create('/accounts/user/carl2', {
    first_name: 'C',
    last_name: 'D',
    email: 'carl2@example.com',
    password: 'carl2-password',
  });
  assert.equal(byCarl.status, 403, 'only owners and SuperAdmins create users');
});

test('a user without API access cannot sign in, and their key is refused', async () => {
  const made = await bobUser('dora', { api_key: true });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.result.api_access, false, 'api_access defaults to false');
  const login = await d.client().login('dora', 'dora-password');
  assert.deepEqual([login.status, login.body], [400, { detail: 'User account is not allowed to access API.' }]);
  const key = (await d.bob.get('/accounts/user/dora/apikeys')).body.result.api_key;
  const refused = await d.client({ apiKey: key }).get('/dc');
  assert.equal(refused.status, 403);
  assert.equal((await d.bob.set('/accounts/user/dora', { api_access: true })).status, 200);
  assert.equal((await d.client({ apiKey: key }).get('/dc')).status, 200, 'access granted');
  assert.equal((await d.client().login('dora', 'dora-password')).status, 200);
  const off = await d.bob.set('/accounts/user/dora', { is_active: false });
  assert.equal(off.body.result.is_active, false);
  assert.equal((await d.client({ apiKey: key }).get('/dc')).status, 403, 'a disabled user cannot use keys');
  assert.equal((await d.client().login('dora', 'dora-password')).status, 400, 'nor sign in');
  assert.deepEqual((await d.bob.get('/accounts/user')).body.result, ['bob', 'carl'], 'active users only');
  assert.deepEqual((await d.bob.get('/accounts/user', { active: false })).body.result, ['dora']);
});

test('apikeys regenerate: the old key stops working, the new one works; never over ES-API-KEY', async () => {
  await bobUser('erin', { api_access: true, api_key: true });
  const old = (await d.bob.get('/accounts/user/erin/apikeys')).body.result;
  const fresh = await d.bob.set('/accounts/user/erin/apikeys', { api_key: true, callback_key: true });
  assert.equal(fresh.status, 201);
  assert.match(fresh.body.result.api_key, /^[0-9a-f]{40}$/);
  assert.match(fresh.body.result.callback_key, /^[0-9a-f]{40}$/);
  assert.notEqual(fresh.body.result.api_key, old.api_key);
  const stale = await d.client({ apiKey: old.api_key }).get('/dc');
  assert.deepEqual([stale.status, stale.body], [403, { detail: 'Invalid API key' }]);
  assert.equal((await d.client({ apiKey: fresh.body.result.api_key }).get('/dc')).status, 200);
  const bobByKey = d.client({ apiKey: d.bobApiKey });
  assert.equal((await bobByKey.get('/accounts/user/bob/apikeys')).status, 403);
  assert.equal((await bobByKey.set('/accounts/user/bob/apikeys', { api_key: true })).status, 403);
  assert.equal((await bobByKey.get('/dc')).status, 200, 'the key still works after the refusal');
  assert.equal((await d.bob.set('/accounts/user/erin', { api_key: true })).status, 200);
  const third = (await d.bob.get('/accounts/user/erin/apikeys')).body.result;
  assert.notEqual(third.api_key, fresh.body.result.api_key, 'PUT user with api_key=true regenerates it too');
  assert.equal(third.callback_key, fresh.body.result.callback_key, 'and leaves the callback key');
});

test('users change their names, email, password and profile extras; admins vouch for verified fields', async () => {
  await bobUser('finn', { api_access: true });
  const finn = d.client();
  await finn.login('finn', 'finn-password');
  const changed = await finn.set('/accounts/user/finn/profile', {
    first_name: 'Finnegan',
    phone: '+421900000000',
    company: 'Acme',
    newsletter_tech: true,
  });
  assert.equal(changed.status, 200, changed.text);
  const got = (await finn.get('/accounts/user/finn/profile')).body.result;
  assert.equal(got.first_name, 'Finnegan');
  assert.equal(got.phone, '+421900000000');
  assert.equal(got.company, 'Acme');
  assert.equal(got.newsletter_tech, true);
  assert.equal(got.city, '');
  const vouch = await finn.set('/accounts/user/finn/profile', { email_verified: false });
  assert.equal(vouch.status, 400);
  assert.equal(vouch.body.status, 'FAILURE');
  assert.ok(vouch.body.result.email_verified);
  const bad = await finn.set('/accounts/user/finn', { email: 'not-an-email' });
  assert.deepEqual([bad.status, Object.keys(bad.body.result)], [400, ['email']]);
  const taken = await finn.set('/accounts/user/finn', { email: 'carl@example.com' });
  assert.deepEqual([taken.status, Object.keys(taken.body.result)], [400, ['email']]);
  assert.equal((await finn.set('/accounts/user/finn', { password: 'finn-new-password' })).status, 200);
  assert.equal((await d.client().login('finn', 'finn-password')).status, 400);
  assert.equal((await finn.login('finn', 'finn-new-password')).status, 200);
  const selfOff = await finn.set('/accounts/user/finn', { api_access: false });
  assert.equal(selfOff.status, 400, 'nobody switches off their own access');
  assert.equal((await finn.delete('/accounts/user/carl')).status, 403);
  const promote = await d.bob.set('/accounts/user/finn', { is_super_admin: true });
  assert.deepEqual([promote.status, Object.keys(promote.body.result)], [400, ['is_super_admin']]);
});

test('SSH keys added through es are the key pairs CloudStack lists, and back', async () => {
  const pair = await d.env.rt.core.credentials.issueTo('api-key-pair', 'bob', { name: 'cs' });
  const cs = new CsClient(d.env.app, pair.shown.key, pair.shown.secret);
  const { publicKey, fingerprint } = await generateKeyPair('laptop');
  const added = await d.bob.create('/accounts/user/bob/sshkey/laptop', { key: publicKey });
  assert.equal(added.status, 201, added.text);
  assert.deepEqual(added.body.result, { title: 'laptop', key: publicKey, fingerprint });
  assert.equal((await d.bob.create('/accounts/user/bob/sshkey/laptop', { key: publicKey })).status, 406);
  const bad = await d.bob.create('/accounts/user/bob/sshkey/junk', { key: 'ssh-rsa nonsense' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.status, 'FAILURE');
  assert.ok(bad.body.result.key);
  const listed = await cs.ok('listSSHKeyPairs');
  assert.deepEqual(
    listed.sshkeypair.map((k: { name: string; fingerprint: string }) => [k.name, k.fingerprint]),
    [['laptop', fingerprint]],
  );
  await cs.ok('createSSHKeyPair', { name: 'from-cs' });
  assert.deepEqual((await d.bob.get('/accounts/user/bob/sshkey')).body.result, ['from-cs', 'laptop']);
  assert.equal((await d.bob.get('/accounts/user/bob/sshkey/laptop')).body.result.fingerprint, fingerprint);
  assert.equal((await d.bob.delete('/accounts/user/bob/sshkey/laptop')).status, 200);
  assert.equal((await d.bob.get('/accounts/user/bob/sshkey/laptop')).status, 404);
  assert.equal((await d.bob.delete('/accounts/user/bob/sshkey/laptop')).status, 404);
  assert.deepEqual(
    (await cs.ok('listSSHKeyPairs')).sshkeypair.map((k: { name: string }) => k.name),
    ['from-cs'],
  );
  assert.equal((await d.admin.get('/accounts/user/bob/sshkey')).body.result.length, 1, 'a SuperAdmin sees them');
});

test("isolation: bob sees only his account's users; another account's user is not found", async () => {
  await d.env.rt.core.accounts.createAccount('gina', { password: 'gina-password-1' });
  const bobs = (await d.bob.get('/accounts/user', { full: true })).body.result;
  assert.ok(!bobs.some((u: { username: string }) => u.username === 'admin' || u.username === 'gina'));
  assert.deepEqual((await d.bob.get('/accounts/user/admin')).body, { detail: 'User not found' });
  assert.equal((await d.bob.get('/accounts/user/gina')).status, 404);
  assert.equal((await d.bob.set('/accounts/user/gina', { first_name: 'X' })).status, 404);
  assert.equal((await d.bob.delete('/accounts/user/gina')).status, 404);
  assert.equal((await d.bob.get('/accounts/user/gina/sshkey')).status, 404);
  assert.equal((await d.bob.get('/accounts/user/gina/apikeys')).status, 404);
  const all = (await d.admin.get('/accounts/user')).body.result;
  assert.ok(
    ['admin', 'bob', 'carl', 'gina'].every((u) => all.includes(u)),
    'the SuperAdmin sees every user',
  );
  const admin = (await d.admin.get('/accounts/user/admin')).body.result;
  assert.deepEqual([admin.is_super_admin, admin.groups], [true, ['superadmin', 'owner']]);
});

test('deleting users: not yourself, not an account owner; a deleted user is gone with their keys', async () => {
  await bobUser('hugo', { api_access: true, api_key: true });
  const key = (await d.bob.get('/accounts/user/hugo/apikeys')).body.result.api_key;
  assert.equal((await d.bob.delete('/accounts/user/bob')).status, 403);
  assert.equal((await d.admin.delete('/accounts/user/bob')).status, 428);
  const gone = await d.bob.delete('/accounts/user/hugo');
  assert.deepEqual([gone.status, gone.body.status, gone.body.result], [200, 'SUCCESS', null]);
  assert.equal((await d.bob.get('/accounts/user/hugo')).status, 404);
  assert.equal((await d.client({ apiKey: key }).get('/dc')).status, 403);
  assert.equal((await bobUser('hugo')).status, 201, 'the name is free again');
});

test('permissions and groups are read-only and for SuperAdmins', async () => {
  assert.deepEqual((await d.admin.get('/accounts/permission')).body.result, ['super_admin', 'user_admin']);
  assert.equal((await d.bob.get('/accounts/permission')).status, 403);
  const groups = await d.admin.get('/accounts/group/owner');
  assert.ok(groups.body.result.users.includes('bob'));
  assert.deepEqual((await d.admin.get('/accounts/group')).body.result, ['owner', 'superadmin']);
  const change = await d.admin.create('/accounts/group/ops', { alias: 'Ops' });
  assert.deepEqual([change.status, change.body], [501, { detail: 'Operation not supported' }]);
});
