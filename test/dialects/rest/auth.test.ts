import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, type RestEnv } from '../../support/rest.js';

let r: RestEnv;
before(async () => {
  r = await startRest();
});
after(async () => {
  await r.close();
});

const UNAUTH = { message: 'Unauthenticated.' };

test('GET /api/user answers the token\'s user; a missing, malformed, unknown, wrong or revoked token is 401 "Unauthenticated."', async () => {
  const me = await r.req('GET', '/api/user');
  assert.equal(me.status, 200);
  assert.deepEqual(Object.keys(me.json).sort(), ['email', 'id', 'name']);
  assert.equal(typeof me.json.id, 'number');
  assert.equal(me.json.email, 'admin@nube.local');
  const [id] = r.adminToken.split('|');
  for (const token of ['', 'x', `${id}|wrong`, `99999|${'a'.repeat(40)}`, `${id}`, '|||', 'a'.repeat(400)]) {
    const a = await r.req('GET', '/api/user', { token });
    assert.deepEqual([a.status, a.json], [401, UNAUTH], token);
  }
  const bare = await fetch(`${r.url.replace('/v1', '')}/user`);
  assert.deepEqual([bare.status, await bare.json()], [401, UNAUTH]);
  const t = await r.tokenFor(['vps:read']);
  assert.equal((await r.req('GET', '/vps', { token: t })).status, 200);
  await r.env.rt.core.credentials.issuers['api-token'].revoke(t.split('|')[0]!);
  assert.deepEqual((await r.req('GET', '/vps', { token: t })).json, UNAUTH);
});

test("teams: the token's account is its one team; X-Team-Id of another team is refused", async () => {
  const teams = await r.req('GET', '/user/teams', { token: r.bobToken });
  assert.equal(teams.status, 200);
  assert.equal(teams.json.data.length, 1);
  assert.equal(teams.json.data[0].name, 'bob');
  assert.equal(teams.json.current_team_id, teams.json.data[0].id);
  const own = String(teams.json.current_team_id);
  assert.equal((await r.req('GET', '/vps', { token: r.bobToken, headers: { 'x-team-id': own } })).status, 200);
  const adminTeam = (await r.req('GET', '/user/teams')).json.current_team_id;
  assert.notEqual(adminTeam, teams.json.current_team_id);
  const other = await r.req('GET', '/vps', { token: r.bobToken, headers: { 'x-team-id': String(adminTeam) } });
  assert.equal(other.status, 403);
  assert.equal(typeof other.json.message, 'string');
});

test('scopes: a token can do only what its permissions allow; new tokens get the default read scopes', async () => {
  const readOnly = await r.tokenFor(['vps:read']);
  assert.equal((await r.req('GET', '/vps', { token: readOnly })).status, 200);
  const denied = await r.req('GET', '/ssh-keys', { token: readOnly });
  assert.equal(denied.status, 403);
  assert.match(denied.json.message, /Insufficient permissions to read SSH keys/);
  const writeKeys = await r.tokenFor(['ssh-key:read', 'ssh-key:write']);
  const key = {
    name: 'scoped',
    public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrk1Y2c2P9FBY1y6XJxN8zY3cGkq4lJzbn0xk0DQ7qR scoped@x',
  };
  const made = await r.req('POST', '/ssh-keys', { token: writeKeys, body: key });
  assert.equal(made.status, 201);
  const del = await r.req('DELETE', `/ssh-keys/${made.json.key.id}`, { token: writeKeys });
  assert.equal(del.status, 403);
  assert.match(del.json.message, /Insufficient permissions to delete SSH keys/);
  assert.equal((await r.req('GET', `/ssh-keys/${made.json.key.id}`, { token: writeKeys })).status, 200);
  // A page kept for another token of the account is not shown to a token without vps:read: neither from the kept
  // answer sent at once (plain paging) nor on the usual path (per_page=020, which the schema coerces to the same page).
  const noVps = await r.tokenFor(['database:read']);
  for (const query of ['?per_page=20', '?per_page=020']) {
    assert.equal((await r.req('GET', `/vps${query}`, { token: readOnly })).status, 200);
    assert.equal((await r.req('GET', `/vps${query}`, { token: readOnly })).status, 200);
    const hidden = await r.req('GET', `/vps${query}`, { token: noVps });
    assert.equal(hidden.status, 403, query);
    assert.match(hidden.json.message, /Insufficient permissions to read VPS instances/);
  }
  const dflt = (await r.env.rt.core.credentials.issueTo('api-token', 'bob', { name: 'plain' })).shown;
  assert.deepEqual([...dflt.permissions].sort(), ['cache:read', 'database:read', 'storage:read', 'vps:read']);
  assert.equal((await r.req('GET', '/vps', { token: dflt.token })).status, 200);
  assert.equal((await r.req('POST', '/vps', { token: dflt.token, body: {} })).status, 422);
  assert.equal(
    (
      await r.req('POST', '/vps', {
        token: dflt.token,
        body: { name: 'x', image: 'debian-12', datacenter: 'fsn1', auth_method: 'password', password: 'abcdefghijkl' },
      })
    ).status,
    403,
  );
});

test('envelopes: pages of 15 by default and at most 100; unknown routes and later resources answer 404 {message}', async () => {
  const list = await r.req('GET', '/vps');
  assert.deepEqual(list.json.pagination, { current_page: 1, last_page: 1, per_page: 15, total: 0 });
  assert.equal((await r.req('GET', '/vps?per_page=100')).json.pagination.per_page, 100);
  const tooMany = await r.req('GET', '/vps?per_page=101');
  assert.equal(tooMany.status, 422);
  assert.ok(tooMany.json.errors.per_page);
  for (const p of ['/nothing-here', '/database', '/cache', '/storage/buckets']) {
    const a = await r.req('GET', p);
    assert.equal(a.status, 404, p);
    assert.equal(typeof a.json.message, 'string');
  }
});

test('malformed requests get documented errors, never a 5xx', async () => {
  const raw = (body: string, type: string) =>
    fetch(`${r.url}/ssh-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${r.adminToken}`, 'content-type': type },
      body,
    });
  const broken = await raw('{"name":', 'application/json');
  assert.equal(broken.status, 400);
  assert.equal(typeof (await broken.json()).message, 'string');
  const text = await raw('name=x', 'text/plain');
  assert.equal(text.status, 415);
  const arr = await raw('[]', 'application/json');
  assert.equal(arr.status, 422);
  const nul = await r.req('POST', '/ssh-keys', { body: { name: 'a\u0000b', public_key: 'x' } });
  assert.equal(nul.status, 422);
  assert.equal((await r.req('GET', '/ssh-keys/abc')).status, 404);
  assert.equal((await r.req('GET', '/ssh-keys/99999999999')).status, 404);
  assert.equal((await r.req('GET', '/vps/not-a-uuid')).status, 404);
});

test("rate limits: every answer carries the headers; the free tier's 61st call in a minute is 429 with Retry-After", async () => {
  const limited = await startRest({ NUBE_RATE_LIMITS: 'on' });
  try {
    const first = await limited.req('GET', '/vps', { token: limited.bobToken });
    assert.equal(first.headers.get('x-ratelimit-limit'), '60');
    assert.equal(first.headers.get('x-ratelimit-remaining'), '59');
    assert.ok(Number(first.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
    const admin = await limited.req('GET', '/vps');
    assert.equal(admin.headers.get('x-ratelimit-limit'), '300');
    for (let i = 0; i < 59; i++) await limited.req('GET', '/api/user', { token: limited.bobToken });
    const over = await limited.req('GET', '/vps', { token: limited.bobToken });
    assert.equal(over.status, 429);
    assert.equal(over.json.message, 'Too Many Requests');
    assert.ok(over.json.retry_after >= 1 && over.json.retry_after <= 60);
    assert.equal(over.headers.get('retry-after'), String(over.json.retry_after));
    assert.equal(over.headers.get('x-ratelimit-remaining'), '0');
    assert.equal((await limited.req('GET', '/vps')).status, 200, 'another account keeps its own budget');
  } finally {
    await limited.close();
  }
});
