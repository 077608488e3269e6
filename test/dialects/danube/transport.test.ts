import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { createHash } from 'node:crypto';
import { startDanube, type DanubeEnv } from '../../support/danube.js';

let d: DanubeEnv;
before(async () => {
  d = await startDanube();
});
after(async () => {
  await d.close();
});

/** A raw request to the Danube API (no es rules), for what es never sends. */
async function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await request(`${d.url}${path}`, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

test('ping answers "pong" without credentials, with the es_* headers', async () => {
  const a = await d.client().get('/ping');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'pong');
  assert.equal(a.headers.es_version, '4.6');
  assert.equal(a.headers.es_dc, 'main');
});

test('login gives a 40-hex token; a new login replaces the old token; logout ends it', async () => {
  await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  const c1 = d.client();
  const first = await c1.login('carol', 'carol-password-1');
  assert.equal(first.status, 200);
  assert.match(first.body.token, /^[0-9a-f]{40}$/);
  assert.equal(first.body.detail, 'Welcome to Danube Cloud API.');
  assert.ok(Date.parse(first.body.expires) > Date.now() + 3500_000);
  assert.equal((await c1.get('/dc')).status, 200);
  const c2 = d.client();
  await c2.login('carol', 'carol-password-1');
  const old = await c1.get('/dc');
  assert.equal(old.status, 403);
  assert.deepEqual(old.body, { detail: 'Invalid token.' });
  assert.equal(old.headers.es_version, '4.6', 'errors carry the es headers too');
  assert.equal((await c2.logout()).body.detail, 'Bye.');
  assert.equal((await c2.get('/dc')).status, 403);
  // The token stays 40 characters, so es can rewrite its token file without truncating it.
  const c3 = d.client({ tokenFile: `/tmp/es-token-${process.pid}` });
  writeFileSync(`/tmp/es-token-${process.pid}`, 'x'.repeat(60));
  await c3.login('carol', 'carol-password-1');
  assert.match(readFileSync(`/tmp/es-token-${process.pid}`, 'utf8'), /^[0-9a-f]{40}x{20}$/);
  assert.equal((await c3.get('/dc')).status, 200);
});

test('authentication failures are 403 with Danube texts; the API key works', async () => {
  const none = await d.client().get('/dc');
  assert.equal(none.status, 403);
  assert.deepEqual(none.body, { detail: 'Authentication credentials were not provided.' });
  const badKey = await d.client({ apiKey: 'f'.repeat(40) }).get('/dc');
  assert.deepEqual([badKey.status, badKey.body], [403, { detail: 'Invalid API key' }]);
  const key = await d.client({ apiKey: d.bobApiKey }).get('/dc');
  assert.equal(key.status, 200);
  assert.equal(key.headers.es_username, 'bob');
  const wrong = await d.client().login('carol', 'not-the-password');
  assert.deepEqual([wrong.status, wrong.body], [400, { detail: 'Unable to log in with provided credentials.' }]);
  const missing = await d.client().call('POST', '/accounts/login', {}, { noToken: true });
  assert.deepEqual(missing.body, {
    detail: { username: ['This field is required.'], password: ['This field is required.'] },
  });
});

test('unknown paths are 404 "Resource not found"; a wrong method is 405; OPTIONS describes a view', async () => {
  const nf = await d.admin.get('/no/such/thing');
  assert.deepEqual([nf.status, nf.text], [404, 'Resource not found']);
  const m = await raw('PATCH', '/dc/', { authorization: 'x' });
  assert.equal(m.status, 405);
  assert.deepEqual(JSON.parse(m.text), { detail: 'Method "PATCH" not allowed.' });
  const o = await raw('OPTIONS', '/task/log/', { 'content-type': 'application/json' }, '{}');
  assert.equal(o.status, 200);
  const meta = JSON.parse(o.text);
  assert.deepEqual(meta.renders, ['application/json']);
  assert.match(meta.description, /task log/);
  // Other dialects keep their paths under /api/.
  const cvm = await raw('GET', '/client/nope');
  assert.ok(JSON.parse(cvm.text).errors, 'CVM answers its own 404 under /api/client');
});

test('envelopes, dummy task ids, indent, DC selection and parameter coercion', async () => {
  const v = await d.admin.get('/system/version');
  assert.equal(v.status, 200);
  assert.equal(v.body.status, 'SUCCESS');
  const n = /^(\d+)d/.exec(v.body.task_id)![1]!;
  const marker = createHash('md5').update(n).digest('hex').slice(-8);
  assert.match(v.body.task_id, new RegExp(`^${n}d${n}d1-${marker}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$`), 'dummy id');
  assert.match(v.text, /\n {4}"status"/, 'indent=4 from the Accept header');
  const plain = await raw('GET', '/ping/', { accept: 'application/json' });
  assert.equal(plain.text, '"pong"');
  const refused = await d.bob.get('/system/version');
  assert.deepEqual(
    [refused.status, refused.body],
    [403, { detail: 'You do not have permission to perform this action.' }],
  );
  const dcs = await d.bob.get('/dc', { full: 'true' });
  assert.ok(dcs.body.result.some((x: { name: string }) => x.name === 'main'));
  const names = await d.bob.get('/dc', { full: 'f' });
  assert.ok(names.body.result.includes('main'));
  const zone = names.body.result.find((n: string) => n !== 'main');
  const inZone = await d.bob.get(`/dc/${zone}/task/log`);
  assert.equal(inZone.headers.es_dc, zone, 'the /dc/<dc>/ prefix selects the DC');
  const byParam = await d.bob.get('/task/log', { dc: zone });
  assert.equal(byParam.headers.es_dc, zone, 'the dc parameter selects the DC');
  const unknown = await d.bob.get('/task/log', { dc: 'nowhere' });
  assert.deepEqual([unknown.status, unknown.body], [404, { detail: 'Datacenter not found' }]);
  const order = await d.bob.get('/dc', { order_by: 'colour' });
  assert.equal(order.status, 412);
  assert.match(order.body.detail, /^Invalid order_by; Possible sort fields are: /);
});

test('malformed bodies and task ids get Danube errors, never a 5xx', async () => {
  const h = { 'content-type': 'application/json' };
  for (const body of ['{', '[1,2]', '"x"', '{"a":', 'null', '\u0000', '{"username":{"a":1},"password":[]}']) {
    const r = await raw('POST', '/accounts/login/', h, body);
    assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body)} → ${r.status}`);
    assert.ok(JSON.parse(r.text).detail !== undefined);
  }
  for (const id of [
    'x',
    '1e1d1-zz',
    '1e1d1-00000000-0000-0000-0000',
    '1d1d1-6f75849b-0000-0000-0000',
    '%00',
    'a'.repeat(900),
  ]) {
    const r = await d.bob.get(`/task/${encodeURIComponent(id)}/status`);
    assert.ok([403, 404].includes(r.status), `${id} → ${r.status}`);
    assert.ok(typeof r.body.detail === 'string');
  }
  const bad = await d.bob.get('/task/log', { status: 'NOPE', page: 'x' });
  assert.equal(bad.status, 400);
  assert.ok(Array.isArray(bad.body.status) && Array.isArray(bad.body.page), 'filter errors as {field: [...]}');
  const name = await d.bob.get('/task/log', { object_name: 'web01' });
  assert.deepEqual(name.body, { object_type: ['object_type attribute is required when filtering by object_name.'] });
});
