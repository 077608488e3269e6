import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { addTemplate, catalog, deploy } from '../cloudstack/vm-fixtures.js';
import { CvmClient, cvmFor, vpsNamed } from './cvm-client.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

const NO_PAIR = { errors: ['No valid API token pair was specified.'] };

test('a missing, wrong or revoked token pair is 401 with the CVM message; a pair without client API access is 403', async () => {
  const good = await cvmFor(env, 'alice');
  assert.deepEqual((await new CvmClient(env.app).get('/vps/list')).body, NO_PAIR);
  const none = await new CvmClient(env.app).get('/vps/list');
  assert.equal(none.status, 401);
  assert.match(none.contentType, /json/);
  assert.equal((await new CvmClient(env.app, good.pub).get('/vps/list')).status, 401);
  const wrong = await new CvmClient(env.app, good.pub, 'x'.repeat(32)).get('/vps/list');
  assert.deepEqual([wrong.status, wrong.body], [401, NO_PAIR]);
  assert.equal((await new CvmClient(env.app, 'nope', good.priv).get('/node/list')).status, 401);
  const noAccess = await cvmFor(env, 'alice', { clientApi: false });
  const r = await noAccess.get('/vps/list');
  assert.deepEqual(
    [r.status, r.body],
    [403, { errors: ['The specified API token pair does not have access to this API.'] }],
  );
  assert.equal((await good.get('/vps/list')).status, 200);
  await env.rt.core.credentials.issuers['token-pair'].revoke(good.pub!);
  assert.deepEqual((await good.get('/vps/list')).body, NO_PAIR);
  const listed = await env.rt.core.credentials.list('token-pair', 'alice');
  assert.ok(listed.some((p) => p.public === good.pub && p.revoked));
  assert.ok(listed.some((p) => !p.client_api));
  assert.ok(listed.every((p) => !('private' in p)));
});

test('the private token is stored hashed, never in clear', async () => {
  const p = (await env.rt.core.credentials.issueTo('token-pair', 'alice', {})).shown;
  const row = await env.rt.store.db
    .selectFrom('credentials')
    .selectAll()
    .where('public_key', '=', p.public)
    .executeTakeFirstOrThrow();
  assert.equal(row.kind, 'cvm');
  assert.equal(row.secret_enc, null);
  assert.notEqual(row.secret_hash, p.private);
  assert.match(row.secret_hash!, /^[0-9a-f]{64}$/);
});

test('account creation makes a working CVM pair', async () => {
  const a = await env.rt.core.accounts.createAccount('carol');
  const r = await new CvmClient(env.app, a.credentials['token-pair'].public, a.credentials['token-pair'].private).get(
    '/vps/list',
  );
  assert.deepEqual([r.status, r.body], [200, { response: { vpses: [] } }]);
});

test("nodes: only the hosts of the caller's VPSes; another node is 403, an unknown one 404", async () => {
  const cs = await env.account('dave');
  const cvm = await cvmFor(env, 'dave');
  assert.deepEqual((await cvm.get('/node/list')).body, { response: { nodes: [] } });
  const c = await catalog(cs);
  await deploy(cs, c, { name: 'n1' });
  const v = await vpsNamed(cvm, 'n1');
  const nodes = (await cvm.get('/node/list')).body.response.nodes;
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].id, v.node);
  assert.equal(typeof nodes[0].id, 'string');
  assert.equal(nodes[0].location, c.zone.name);
  const one = await cvm.get(`/node/${v.node}`);
  assert.deepEqual(one.body.response, { name: nodes[0].name, hostname: nodes[0].hostname, location: c.zone.name });
  const other = await cvmFor(env, 'alice');
  const refused = await other.get(`/node/${v.node}`);
  assert.equal(refused.status, 403);
  assert.ok(Array.isArray(refused.body.errors));
  assert.equal((await cvm.get('/node/99999')).status, 404);
  assert.equal((await cvm.get('/node/abc')).status, 404);
});

test('templates: listed with numeric ids and boolean flags; a private template of another account is 404 like a missing one', async () => {
  const cvm = await cvmFor(env, 'alice');
  const r = await cvm.get('/template/list');
  assert.equal(r.status, 200);
  const list = r.body.response.templates;
  assert.ok(list.length > 0);
  for (const t of list) {
    assert.match(t.id, /^[0-9]+$/);
    assert.equal(typeof t.supported, 'boolean');
    assert.equal(typeof t.available, 'boolean');
    assert.equal(typeof t.outdated, 'boolean');
  }
  const one = await cvm.get(`/template/${list[0].id}`);
  assert.deepEqual(one.body.response, list[0]);
  assert.equal((await cvm.get('/template/424242')).status, 404);
  const cs = await env.account('erin');
  await addTemplate(env, 'erin', (await catalog(cs)).template, {});
  const own = (await (await cvmFor(env, 'erin')).get('/template/list')).body.response.templates.find((t: any) =>
    t.name.startsWith('custom-'),
  );
  assert.ok(own, 'the owner sees its private template');
  assert.ok(!list.some((t: any) => t.name === own.name), 'others do not list it');
  const foreign = await cvm.get(`/template/${own.id}`);
  const missing = await cvm.get('/template/424242');
  assert.equal(foreign.status, 404, "another account's private template is not found, as if it did not exist");
  assert.deepEqual(
    JSON.parse(JSON.stringify(foreign.body).split(own.id).join('N')),
    JSON.parse(JSON.stringify(missing.body).split('424242').join('N')),
  );
  assert.equal((await cvm.get('/nothing/here')).status, 404);
});
