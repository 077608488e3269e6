/** The access log over real HTTP: one line per request naming dialect, account, command or route and status; the request id header; task lifecycle lines; and no secret in any line. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { captureLog, type CapturedLog } from '../support/log-capture.js';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';
import { until } from '../support/until.js';

let env: TestEnv;
let captured: CapturedLog;
let base: string;
let carol: { key: string; secret: string; password: string; token: string; email: string };

before(async () => {
  captured = captureLog('info');
  env = await startTestEnv({}, { log: captured.log });
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(env.app.server.address() as { port: number }).port}`;
  const password = 'carol-Secret-Password-42';
  const email = 'carol@example.com';
  const made = await env.rt.core.accounts.createAccount('carol', { email, password });
  const pair = made.credentials['api-key-pair'];
  carol = { key: pair.key, secret: pair.secret, password, email, token: made.credentials['api-token'].token };
});

after(async () => {
  await env.close();
});

/** A CloudStack URL signed with carol's key pair, as cs builds it. */
function signedUrl(command: string, params: Record<string, string> = {}): { url: string; signature: string } {
  const all: Record<string, string> = { command, apiKey: carol.key, response: 'json', ...params };
  const pairs = Object.entries(all) as Array<[string, string]>;
  const signature = computeSignature(
    carol.secret,
    canonicalString(pairs, { bracketsSafe: false, caseSensitiveSort: false }),
  );
  return { url: `${base}/compute?${new URLSearchParams({ ...all, signature })}`, signature };
}

/** The parsed access lines logged so far. */
function accessLines(): Array<Record<string, unknown>> {
  return captured
    .lines()
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'request');
}

/** The access line of the request with this id (waits for it: the line is written once the answer is sent). */
async function lineOf(reqId: string): Promise<Record<string, unknown>> {
  return until('the access line', () => accessLines().find((l) => l.reqId === reqId));
}

test('a signed CloudStack call is logged once with its command, account and status, and its answer carries the request id', async () => {
  const { url } = signedUrl('listZones');
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const id = res.headers.get('x-request-id');
  assert.ok(id && id.length > 0, 'X-Request-Id header');
  const line = await lineOf(id);
  assert.equal(line.dialect, 'cloudstack');
  assert.equal(line.account, 'carol');
  assert.equal(line.route, 'listZones');
  assert.equal(line.method, 'GET');
  assert.equal(line.status, 200);
  assert.equal(typeof line.ms, 'number');
  assert.equal(accessLines().filter((l) => l.reqId === id).length, 1, 'one line per request');
});

test('a sane incoming X-Request-Id is kept; one too long is replaced by a new id', async () => {
  const mine = 'trace-42/abc:def';
  const kept = await fetch(`${base}/healthz`, { headers: { 'x-request-id': mine } });
  assert.equal(kept.headers.get('x-request-id'), mine);
  assert.equal((await lineOf(mine)).status, 200);
  const long = 'x'.repeat(129);
  const replaced = await fetch(`${base}/healthz`, { headers: { 'x-request-id': long } });
  const id = replaced.headers.get('x-request-id');
  assert.ok(id && id !== long && id.length <= 128);
});

test('errors and unknown routes get a request id and an access line too', async () => {
  const res = await fetch(`${base}/no/such/route`);
  assert.equal(res.status, 404);
  const id = res.headers.get('x-request-id')!;
  const body = (await res.json()) as { request_id: string };
  assert.equal(body.request_id, id);
  assert.equal((await lineOf(id)).status, 404);
  const bad = await fetch(signedUrl('listZones', { zoneid: 'x' }).url.replace(/signature=[^&]+/, 'signature=AAAA'));
  assert.equal(bad.status, 401);
  const line = await lineOf(bad.headers.get('x-request-id')!);
  assert.equal(line.status, 401);
  assert.equal(line.account, null, 'a refused caller is not named');
});

test('no key, secret, signature, password or token appears in the log', async () => {
  const signed = signedUrl('listVirtualMachines');
  assert.equal((await fetch(signed.url)).status, 200);
  const post = signedUrl('listZones');
  const form = post.url.split('?')[1]!;
  assert.equal(
    (
      await fetch(`${base}/compute`, {
        method: 'POST',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
    ).status,
    200,
  );
  const login = await fetch(`${base}/api/accounts/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'carol', password: carol.password }),
  });
  assert.equal(login.status, 200);
  const session = ((await login.json()) as { token: string }).token;
  assert.ok(session);
  const wrong = await fetch(`${base}/api/accounts/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'carol', password: 'wrong-Password-Guess-9' }),
  });
  assert.notEqual(wrong.status, 200);
  const sigma = await fetch(`${base}/drives/list`, {
    headers: { authorization: `Basic ${Buffer.from(`${carol.email}:${carol.password}`).toString('base64')}` },
  });
  assert.equal(sigma.status, 200);
  const rest = await fetch(`${base}/api/v1/vps`, { headers: { authorization: `Bearer ${carol.token}` } });
  assert.equal(rest.status, 200);
  const restLine = await lineOf(rest.headers.get('x-request-id')!);
  assert.equal(restLine.dialect, 'rest');
  assert.equal(restLine.account, 'carol');
  const sigmaLine = await lineOf(sigma.headers.get('x-request-id')!);
  assert.equal(sigmaLine.dialect, 'cloudsigma');
  assert.equal(sigmaLine.account, 'carol');
  await lineOf(wrong.headers.get('x-request-id')!);
  const text = captured.lines().join('\n');
  const secrets = {
    apiKey: carol.key,
    secret: carol.secret,
    signature: signed.signature,
    encodedSignature: encodeURIComponent(signed.signature),
    password: carol.password,
    wrongPassword: 'wrong-Password-Guess-9',
    restToken: carol.token,
    sessionToken: session,
  };
  for (const [what, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${what} is in the log`);
});

test('a task is logged when queued, started and succeeded, with its kind, object and duration', async () => {
  const zones = await env.cs.ok('listZones');
  const zoneid = zones.zone[0].id;
  const offering = (await env.cs.ok('listServiceOfferings')).serviceoffering[0].id;
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id;
  const deployed = await env.cs.ok('deployVirtualMachine', {
    zoneid,
    serviceofferingid: offering,
    templateid: template,
  });
  const taskLines = () =>
    captured
      .lines()
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.taskId === deployed.jobid);
  await until('the task to succeed', () => taskLines().some((l) => l.msg === 'task succeeded'));
  const events = taskLines().map((l) => l.msg);
  assert.deepEqual(events, ['task queued', 'task started', 'task succeeded']);
  const done = taskLines().at(-1)!;
  assert.equal(done.objectId, deployed.id);
  assert.equal(typeof done.kind, 'string');
  assert.equal(typeof done.ms, 'number');
});
