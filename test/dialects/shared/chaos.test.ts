import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { catalog, deploy } from '../cloudstack/vm-fixtures.js';

let env: TestEnv;
let adminAuth: string;
let sigmaAuth: string;
let restToken: string;
let base: string;
let bob: CsClient;
let cvmHeaders: Record<string, string>;
let danubeKey: string;

before(async () => {
  env = await startTestEnv();
  const ops = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  adminAuth = 'Basic ' + Buffer.from(`${ops.user.email}:ops-password`).toString('base64');
  const carol = await env.rt.core.accounts.createAccount('carol', { password: 'carol-password' });
  sigmaAuth = 'Basic ' + Buffer.from(`${carol.user.email}:carol-password`).toString('base64');
  restToken = carol.credentials['api-token'].token;
  bob = await env.account('bob');
  const pair = carol.credentials['token-pair'];
  cvmHeaders = { 'api-public-token': pair.public, 'api-private-token': pair.private };
  danubeKey = carol.credentials['user-api-key'].apiKey;
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await env.close();
});
afterEach(async () => {
  await admin('DELETE', '/admin/chaos');
  await admin('DELETE', '/admin/chaos/delays');
});

async function admin(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const r = await env.app.inject({ method, url, headers: { authorization: adminAuth }, payload });
  return { status: r.statusCode, json: r.json() as any };
}

async function addRule(rule: object): Promise<any> {
  const r = await admin('POST', '/admin/chaos', rule);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.rule;
}

const sigma = (url: string) => env.app.inject({ method: 'GET', url, headers: { authorization: sigmaAuth } });
const rest = (url: string) =>
  env.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${restToken}`, accept: 'application/json' } });

test('an error rule answers each dialect its own error for the reason, or a plain 5xx status', async () => {
  await addRule({ dialect: 'cloudstack', operation: 'listZones', kind: 'error', reason: 'unavailable' });
  const cs = await env.cs.call('listZones');
  assert.equal(cs.status, 533);
  assert.equal(cs.body.errorcode, 533);
  assert.match(cs.body.errortext, /unavailable \(simulated\)/i);
  const posted = await env.cs.call('listZones', {}, { method: 'POST' });
  assert.deepEqual([posted.status, posted.body.errorcode], [533, 533], 'a form POST gets the JSON it asked for');
  const xml = await env.cs.call('listZones', {}, { json: false });
  assert.match(xml.raw, /<listzonesresponse[^>]*><errorcode>533<\/errorcode>/);
  assert.equal((await env.cs.call('listTemplates', { templatefilter: 'featured' })).status, 200, 'other commands pass');
  assert.equal((await sigma('/drives/list')).statusCode, 200, 'other dialects pass');

  await addRule({
    dialect: 'cloudsigma',
    operation: 'GET /drives*',
    kind: 'error',
    reason: 'conflict',
    message: 'Busy now',
  });
  const s = await sigma('/drives/list');
  assert.equal(s.statusCode, 409);
  assert.equal(s.body, 'errors: Busy now\n');

  await addRule({ dialect: 'rest', operation: 'GET /api/v1/vps', kind: 'error', status: 502 });
  const r = await rest('/api/v1/vps');
  assert.equal(r.statusCode, 502);
  assert.match(String(r.headers['content-type']), /text\/plain/);
  assert.match(r.body, /Simulated 502/);
});

test('CVM and Danube requests are named by route for rules and answered in their own error format', async () => {
  await addRule({ dialect: 'cvm', operation: 'GET /api/client/vps/*', kind: 'error', reason: 'conflict' });
  await addRule({ dialect: 'danube', operation: 'GET /api/vm/', kind: 'throttle', retry_after: 4 });
  const cvm = await env.app.inject({ url: '/api/client/vps/list', headers: cvmHeaders });
  assert.equal(cvm.statusCode, 500, 'CVM answers a refused call 500 with a message');
  assert.equal(cvm.json().errors.length, 1);
  assert.match(cvm.json().errors[0], /simulated/);
  const danube = await env.app.inject({ url: '/api/vm/', headers: { 'es-api-key': danubeKey } });
  assert.equal(danube.statusCode, 429);
  assert.equal(danube.headers['retry-after'], '4');
  assert.match(danube.json().detail, /throttled/);
  assert.ok(danube.headers.es_version, 'with the es_* headers of every Danube answer');
});

test('a throttle rule answers 429 with Retry-After in the dialect format', async () => {
  await addRule({ dialect: 'cloudstack', operation: 'listzones', kind: 'throttle', retry_after: 7 });
  await addRule({ dialect: 'rest', operation: 'GET /api/v1/vps*', kind: 'throttle', retry_after: 3 });
  const cs = await env.cs.call('listZones');
  assert.equal(cs.status, 429);
  assert.equal(cs.body.errorcode, 429);
  const raw = await env.app.inject({ url: `/compute?command=listZones&response=json` });
  assert.equal(raw.statusCode, 429, 'the rule fires before authentication is checked by the handler');
  assert.equal(raw.headers['retry-after'], '7');
  const r = await rest('/api/v1/vps');
  assert.equal(r.statusCode, 429);
  assert.equal(r.headers['retry-after'], '3');
  assert.equal(r.json().retry_after, 3);
});

test('a latency rule delays the answer, which then succeeds', async () => {
  await addRule({ dialect: 'cloudstack', operation: 'listZones', kind: 'latency', ms: 400, jitter: 100 });
  await addRule({ dialect: 'cloudsigma', operation: '*', kind: 'latency', ms: 400 });
  let t = Date.now();
  assert.equal((await env.cs.call('listZones')).status, 200);
  assert.ok(Date.now() - t >= 300, `CloudStack answered after ${Date.now() - t} ms`);
  t = Date.now();
  assert.equal((await sigma('/drives/list')).statusCode, 200);
  assert.ok(Date.now() - t >= 400, `CloudSigma answered after ${Date.now() - t} ms`);
});

test('a drop rule closes the connection without an answer', async () => {
  await addRule({ dialect: 'cloudstack', operation: 'listZones', kind: 'drop' });
  await addRule({ dialect: 'rest', operation: '*', kind: 'drop' });
  await assert.rejects(fetch(`${base}/compute?command=listZones&response=json`));
  await assert.rejects(fetch(`${base}/api/v1/vps`, { headers: { authorization: `Bearer ${restToken}` } }));
  const ok = await fetch(`${base}/compute?command=listTemplates&response=json`);
  assert.equal(ok.status, 401, 'another command still gets its answer');
});

test('a counted rule fires N times and then stops; it stays listed with nothing left', async () => {
  const rule = await addRule({ dialect: 'cloudstack', operation: 'listZones', kind: 'error', count: 2 });
  assert.equal(rule.remaining, 2);
  assert.equal((await env.cs.call('listZones')).status, 530);
  assert.equal((await env.cs.call('listZones')).status, 530);
  assert.equal((await env.cs.call('listZones')).status, 200);
  assert.equal((await env.cs.call('listZones')).status, 200);
  const listed = (await admin('GET', '/admin/chaos')).json.rules;
  assert.deepEqual(
    listed.map((r: any) => [r.id, r.remaining]),
    [[rule.id, 0]],
  );
});

test('requests pass untouched while no rule is live for their dialect, and the next one meets a rule made here or by another process', async () => {
  assert.equal((await rest('/api/v1/vps')).statusCode, 200, 'no rules at all');
  await addRule({ dialect: 'cvm', kind: 'error', status: 503 });
  assert.equal((await rest('/api/v1/vps')).statusCode, 200, "another dialect's rule");
  assert.equal((await env.app.inject({ url: '/api/client/vps/list', headers: cvmHeaders })).statusCode, 503);
  await addRule({ dialect: 'rest', operation: 'GET /api/v1/vps', kind: 'error', status: 502, count: 1 });
  assert.equal((await rest('/api/v1/vps')).statusCode, 502, 'the very next request after the rule was made');
  assert.equal((await rest('/api/v1/vps')).statusCode, 200, 'the rule is spent');
  // Another process adds a rule straight into the table: nothing here is told, the version check finds it.
  const now = new Date().toISOString();
  await env.rt.store.db
    .insertInto('chaos_rules')
    .values({
      id: 'other-process-rule',
      dialect: '*',
      operation: '*',
      kind: 'error',
      rate: 1,
      remaining: -1,
      account_id: null,
      params: JSON.stringify({ status: 504 }),
      created_at: now,
    })
    .execute();
  // Asked through CloudStack, which has no per-account request limit (REST's would answer 429 to a tight loop).
  const deadline = Date.now() + 5000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await sleep(20);
    status = (await env.cs.call('listZones')).status;
  }
  assert.equal(status, 504, "another process's rule applies once the cached rules are checked again");
});

test('clearing one rule or all of them lets requests through again', async () => {
  const a = await addRule({ dialect: 'cloudstack', operation: 'listZones', kind: 'error' });
  await addRule({ dialect: 'cloudsigma', kind: 'error' });
  assert.deepEqual((await admin('DELETE', `/admin/chaos/${a.id}`)).json, { removed: 1 });
  assert.equal((await env.cs.call('listZones')).status, 200);
  assert.equal((await sigma('/drives/list')).statusCode, 500);
  assert.deepEqual((await admin('DELETE', '/admin/chaos')).json, { removed: 1 });
  assert.equal((await sigma('/drives/list')).statusCode, 200);
  const gone = await admin('DELETE', `/admin/chaos/${a.id}`);
  assert.equal(gone.status, 404);
  assert.match(gone.json.error, /not found/);
});

test('a rule for every dialect and operation never touches the admin API', async () => {
  await addRule({ kind: 'drop' });
  await assert.rejects(fetch(`${base}/drives/list`, { headers: { authorization: sigmaAuth } }));
  const listed = await fetch(`${base}/admin/chaos`, { headers: { authorization: adminAuth } });
  assert.equal(listed.status, 200);
  assert.equal(((await listed.json()) as any).rules[0].kind, 'drop');
  assert.equal((await admin('GET', '/admin/hosts')).status, 200);
});

test('an account-bound rule hits only that account', async () => {
  await addRule({ dialect: 'cloudstack', kind: 'error', reason: 'quota', account: 'bob' });
  assert.equal((await bob.call('listZones')).status, 535);
  assert.equal((await env.cs.call('listZones')).status, 200);
  const listed = (await admin('GET', '/admin/chaos')).json.rules;
  assert.equal(listed[0].account, 'bob');
});

test('bad rules and delays are refused with the field at fault', async () => {
  const cases: Array<[object, string]> = [
    [{ kind: 'explode' }, 'kind'],
    [{ kind: 'error', rate: 2 }, 'rate'],
    [{ kind: 'error', dialect: 'admin' }, 'dialect'],
    [{ kind: 'error', reason: 'sad' }, 'reason'],
    [{ kind: 'error', status: 404 }, 'status'],
    [{ kind: 'latency' }, 'ms'],
    [{ kind: 'throttle', retry_after: 'soon' }, 'retry_after'],
    [{ kind: 'error', count: 0 }, 'count'],
    [{ kind: 'error', seed: -1 }, 'seed'],
  ];
  for (const [body, field] of cases) {
    const r = await admin('POST', '/admin/chaos', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.json.fields[field], `${JSON.stringify(body)} names ${field}: ${JSON.stringify(r.json)}`);
  }
  assert.equal((await admin('POST', '/admin/chaos', { kind: 'error', account: 'nobody' })).status, 404);
  const d = await admin('POST', '/admin/chaos/delays', { operation: 'teleport', ms: 5 });
  assert.equal(d.status, 400);
  assert.ok(d.json.fields.operation);
  assert.deepEqual((await admin('GET', '/admin/chaos')).json.rules, [], 'nothing was added');
});

test('a rate-0.5 rule replayed with the same seed gives the same fault sequence', async () => {
  const rule = await addRule({ dialect: 'cloudstack', operation: 'listZones', kind: 'error', rate: 0.5, seed: 1234 });
  assert.equal((await admin('GET', '/admin/chaos')).json.seed, 1234);
  const run = async () => {
    const seq: number[] = [];
    for (let i = 0; i < 24; i++) seq.push((await env.cs.call('listZones')).status);
    return seq;
  };
  const first = await run();
  assert.ok(first.includes(200) && first.includes(530), `both outcomes occur: ${first.join(',')}`);
  assert.deepEqual((await admin('POST', '/admin/chaos/seed', { seed: 1234 })).json, { seed: 1234 });
  assert.deepEqual(await run(), first, 'the same seed replays the same faults');
  await admin('POST', '/admin/chaos/seed', { seed: 99 });
  assert.notDeepEqual(await run(), first, 'another seed gives another sequence');
  assert.equal(rule.rate, 0.5);
});

test('a per-operation sim delay slows start but not stop', async () => {
  const vm = (await deploy(env.cs, await catalog(env.cs), { name: 'slowpoke' })).virtualmachine;
  const set = await admin('POST', '/admin/chaos/delays', { operation: 'start', ms: 2500, jitter: 200 });
  assert.equal(set.status, 201);
  assert.deepEqual((await admin('GET', '/admin/chaos/delays')).json.delays, [
    { operation: 'start', ms: 2500, jitter: 200 },
  ]);
  let t = Date.now();
  await env.cs.done('stopVirtualMachine', { id: vm.id });
  const stopMs = Date.now() - t;
  t = Date.now();
  await env.cs.done('startVirtualMachine', { id: vm.id });
  const startMs = Date.now() - t;
  assert.ok(startMs >= 2300, `start took ${startMs} ms`);
  assert.ok(stopMs < 2300, `stop took ${stopMs} ms`);
  assert.deepEqual((await admin('DELETE', '/admin/chaos/delays/start')).json, { removed: 1 });
});
