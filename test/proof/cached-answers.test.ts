/**
 * Lists answered from a kept answer without waiting (the synchronous path of CloudStack's listVirtualMachines,
 * CloudSigma's servers/info and CVM's vps/list) over real HTTP: the same bytes and headers as the rendered answer, and every refusal the
 * rendered path makes still applies to the very next request: a chaos rule, a revoked key, a changed password, a
 * change to the list.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { listen } from './wire-dialects.js';
import { signedQuery } from './http-cs.js';
import type { ChaosRuleInput } from '../../src/core/chaos/model.js';

let env: TestEnv;
let base: string;

before(async () => {
  env = await startTestEnv({ NUBE_RATE_LIMITS: 'off' });
  base = await listen(env);
});
after(async () => {
  await env?.rt.core.chaos.clearRules();
  await env?.close();
});

/** One GET: status, content type and body bytes. */
async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

type Answer = Awaited<ReturnType<typeof get>>;

/** A chaos rule fails the very next call with status, and once it is cleared the kept answer comes back. */
async function chaosReaches(rule: ChaosRuleInput, status: number, call: () => Promise<Answer>, kept: Answer) {
  const added = await env.rt.core.chaos.addRule(rule);
  assert.equal((await call()).status, status, 'a chaos rule fails the next call');
  await env.rt.core.chaos.clearRules(added.id);
  assert.deepEqual(await call(), kept, 'and the kept answer again once it is gone');
}

/** Creates a VM in the account as its user would. */
async function vmOf(acct: { account: { id: string; name: string }; user: { id: string } }, name: string) {
  const ctx = {
    accountId: acct.account.id,
    accountName: acct.account.name,
    userId: acct.user.id,
    isAdmin: false,
    requestId: name,
    origin: `test:${name}`,
  };
  await env.rt.core.vms.create(ctx, { name, size: {} });
}

test('a kept CloudStack list is the rendered one, and chaos, a new VM and a revoked key reach the very next list', async () => {
  const acct = await env.rt.core.accounts.createAccount('kept-cs', {});
  const { key, secret } = acct.credentials['api-key-pair'];
  // Each call signed afresh with its own expiry, as clients do: the kept answer is found by the command and its
  // parameters, not by the signature.
  let calls = 0;
  const expires = () => new Date(Date.now() + 600_000 + ++calls * 1000).toISOString().replace(/\.\d+Z$/, '+0000');
  const signed = (response: string) =>
    `/compute?${signedQuery(key, secret, 'listVirtualMachines', { response, signatureversion: 3, expires: expires() })}`;
  const list = () => get(signed('json'));
  const rendered = await list();
  assert.equal(rendered.status, 200);
  for (let i = 0; i < 3; i++) assert.deepEqual(await list(), rendered, 'the same status, type and bytes again');
  const xml = await get(signed('xml'));
  assert.match(xml.type ?? '', /xml/);
  assert.deepEqual(await get(signed('xml')), xml);

  const rule = { dialect: 'cloudstack', operation: 'listVirtualMachines', kind: 'error', reason: 'unavailable' };
  await chaosReaches(rule, 533, list, rendered);

  await env.rt.core.credentials.issuers['api-key-pair'].revoke(key);
  const refused = await list();
  assert.equal(refused.status, 401, 'a revoked key is refused on the very next list');
  assert.match(refused.body.toString(), /unable to verify user credentials/);
});

test('a kept CloudSigma servers/info is the rendered one, and chaos, a change and a new password reach the very next call', async () => {
  const password = 'kept-sigma-password';
  const acct = await env.rt.core.accounts.createAccount('kept-sigma', { password });
  const auth = { authorization: `Basic ${Buffer.from(`${acct.user.email}:${password}`).toString('base64')}` };
  const info = () => get('/servers/info', auth);
  await vmOf(acct, 'kept-one');
  const rendered = await info();
  assert.equal(rendered.status, 200);
  assert.match(rendered.body.toString(), /name kept-one/);
  for (let i = 0; i < 3; i++) assert.deepEqual(await info(), rendered, 'the same status, type and bytes again');

  await chaosReaches(
    { dialect: 'cloudsigma', operation: 'GET /servers/info', kind: 'error', status: 503 },
    503,
    info,
    rendered,
  );

  const server = /server ([0-9a-f-]{36})/.exec(rendered.body.toString())![1]!;
  const set = await fetch(`${base}/servers/${server}/set`, {
    method: 'POST',
    headers: auth,
    body: 'name kept-renamed\n',
  });
  assert.equal(set.status, 200);
  assert.match((await info()).body.toString(), /name kept-renamed/, 'a change is in the very next list');

  await env.rt.core.credentials.issuers.password.revoke(acct.user.id);
  const refused = await info();
  assert.equal(refused.status, 401, 'a password that no longer matches is refused on the very next call');
});

test('a kept CVM vps/list is the rendered one, and chaos, a new VPS and a revoked pair reach the very next call', async () => {
  const acct = await env.rt.core.accounts.createAccount('kept-cvm', {});
  const pair = acct.credentials['token-pair'];
  const headers = { 'api-public-token': pair.public, 'api-private-token': pair.private };
  const list = () => get('/api/client/vps/list', headers);
  const rendered = await list();
  assert.equal(rendered.status, 200);
  for (let i = 0; i < 3; i++) assert.deepEqual(await list(), rendered, 'the same status, type and bytes again');
  assert.deepEqual(await get('/api/client/list', headers), rendered, 'and under its other path');

  const rule = { dialect: 'cvm', operation: 'GET /api/client/vps/list', kind: 'error', status: 502 };
  await chaosReaches(rule, 502, list, rendered);

  await vmOf(acct, 'kept-vps');
  const vpses = (answer: { body: Buffer }) => JSON.parse(answer.body.toString()).response.vpses.length;
  assert.equal(vpses(rendered), 0);
  assert.equal(vpses(await list()), 1, 'a new VPS is in the very next list');

  await env.rt.core.credentials.issuers['token-pair'].revoke(pair.public);
  assert.equal((await list()).status, 401, 'a revoked pair is refused on the very next call');
});

test('a kept REST VPS page is the rendered one, and chaos, a new VPS, the team check, expiry and revocation reach the very next call', async () => {
  const acct = await env.rt.core.accounts.createAccount('kept-rest', {});
  const { token } = acct.credentials['api-token'];
  const list = (query = '?per_page=20', headers: Record<string, string> = {}) =>
    get(`/api/v1/vps${query}`, { authorization: `Bearer ${token}`, ...headers });
  const rendered = await list();
  assert.equal(rendered.status, 200);
  for (let i = 0; i < 3; i++) assert.deepEqual(await list(), rendered, 'the same status, type and bytes again');
  assert.equal((await list('?per_page=abc')).status, 422, 'a query the schema refuses is still refused');
  assert.equal((await list('?per_page=101')).status, 422);
  const team = JSON.parse(
    (await get('/api/v1/user/teams', { authorization: `Bearer ${token}` })).body.toString(),
  ).current_team_id;
  assert.deepEqual(await list('?per_page=20', { 'x-team-id': String(team) }), rendered);
  assert.equal((await list('?per_page=20', { 'x-team-id': String(team + 1) })).status, 403, 'another team is refused');

  await chaosReaches(
    { dialect: 'rest', operation: 'GET /api/v1/vps', kind: 'error', status: 502 },
    502,
    list,
    rendered,
  );

  await vmOf(acct, 'kept-rest-vps');
  const vpses = (answer: { body: Buffer }) => JSON.parse(answer.body.toString()).data.length;
  assert.equal(vpses(rendered), 0);
  assert.equal(vpses(await list()), 1, 'a new VPS is in the very next page');

  const tokens = env.rt.core.credentials.issuers['api-token'];
  const owner = { accountId: acct.account.id, userId: acct.user.id };
  const short = await tokens.issueFor(owner, { expiresAt: new Date(Date.now() + 1500).toISOString() });
  const listWith = (t: string) => get('/api/v1/vps?per_page=20', { authorization: `Bearer ${t}` });
  assert.equal((await listWith(short.token)).status, 200);
  assert.equal((await listWith(short.token)).status, 200);
  await new Promise((r) => setTimeout(r, Date.parse(short.expiresAt!) - Date.now() + 50));
  assert.equal((await listWith(short.token)).status, 401, 'an expired token is refused on the very next call');

  await tokens.revoke(token);
  assert.equal((await list()).status, 401, 'a revoked token is refused on the very next call');
});
