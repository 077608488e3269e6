/**
 * Danube user callbacks through es over HTTP: `es set /vm/<h>/status/stop -cb_url ... -cb_method ...` on a VM defined
 * and deployed through es; the receiver checks es's payload against the callback key es reads from
 * /accounts/user/<u>/apikeys/; `Remote callback response` in the task log; loopback refused unless allowed; delivery
 * after a kill -9 of a real `nube serve`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import { EsClient } from '../../support/es-client.js';
import { freshDatabase } from '../../support/runtime.js';
import { readCredentials, startServe, type ServeChild } from '../../proof/child.js';
import { HttpCs } from '../../proof/http-cs.js';
import { until } from '../../support/until.js';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** Allows loopback callbacks. */
let d: DanubeEnv;
/** The default outbound policy: loopback refused. */
let strict: DanubeEnv;
let carol: EsClient;
let server: Server;
let base: string;
let image: string;
let net: string;
const received: Received[] = [];
const children: ServeChild[] = [];
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

before(async () => {
  d = await startDanube({ NUBE_SIM_DELAY_MS: '100', NUBE_OUTBOUND_ALLOW_PRIVATE: '1' });
  strict = await startDanube({ NUBE_SIM_DELAY_MS: '100' });
  const c = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  carol = d.client();
  assert.equal((await carol.login('carol', 'carol-password-1')).status, 200);
  const keys = c.credentials['api-key-pair'];
  const cs = new CsClient(d.env.app, keys.key, keys.secret);
  net = (await cs.ok('listNetworks', { type: 'Shared' })).network[0].name;
  image = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].name;
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body: JSON.parse(text) });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const c of children) await c.kill9();
  await d.close();
  await strict.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Defines a VM with a disk from the image and a NIC on the shared network, and deploys it (es waits: ES-STREAM). */
async function deployVm(es: EsClient, hostname: string, img = image, network = net): Promise<void> {
  const define = await es.create(`/vm/${hostname}/define`, { vcpus: 1, ram: 512 });
  assert.equal(define.status, 201, define.text);
  assert.equal((await es.create(`/vm/${hostname}/define/disk/1`, { size: 10240, image: img })).status, 201);
  assert.equal((await es.create(`/vm/${hostname}/define/nic/1`, { net: network })).status, 201);
  const deployed = await es.create(`/vm/${hostname}`);
  assert.equal(deployed.status, 200, deployed.text);
}

/** The callback key of a user, as es reads it in a login session. */
async function callbackKey(es: EsClient, username: string): Promise<string> {
  const keys = await es.get(`/accounts/user/${username}/apikeys`);
  assert.equal(keys.status, 200, keys.text);
  assert.match(keys.body.result.callback_key, /\S/);
  return keys.body.result.callback_key;
}

/** The task log entries of one Danube task, oldest first. */
async function logOf(es: EsClient, taskId: string): Promise<any[]> {
  const log = await es.get('/task/log', { page: 1 });
  assert.equal(log.status, 200, log.text);
  return (log.body.results as any[]).filter((e) => e.task === taskId).reverse();
}

test('es set status/stop -cb_url: the receiver gets the task status signed with the caller’s callback key', async () => {
  await deployVm(d.bob, 'cb-web01');
  const stop = await d.bob.set('/vm/cb-web01/status/stop', { cb_url: `${base}/es/done?x=1`, cb_method: 'POST' });
  assert.equal(stop.status, 200, stop.text);
  const taskId = stop.body.task_id as string;
  const hit = await until('the callback', () => received.find((r) => r.path === '/es/done?x=1'));
  assert.equal(hit.method, 'POST');
  assert.equal(hit.headers['user-agent'], 'DanubeCloud/4.6');
  assert.equal(hit.headers['content-type'], 'application/json');
  assert.match(hit.body.random_token, /^[0-9a-f]{32}$/);
  const key = await callbackKey(d.bob, 'bob');
  assert.equal(hit.body.security_token, md5(hit.body.random_token + key), 'signed with bob’s callback key');
  const other = await callbackKey(carol, 'carol');
  assert.notEqual(other, key);
  assert.notEqual(hit.body.security_token, md5(hit.body.random_token + other), 'carol’s key does not verify it');
  assert.equal(hit.body.task_id, taskId);
  assert.equal(hit.body.status, 'SUCCESS');
  assert.deepEqual(hit.body.result, { message: 'Successfully completed stop of VM cb-web01', returncode: 0 });
  const status = await d.bob.get(`/task/${taskId}/status`);
  assert.equal(status.status, 200);
  assert.deepEqual(status.body, { task_id: taskId, status: 'SUCCESS', result: hit.body.result }, 'same as es reads it');
});

test('the task log shows the task’s two entries and `Remote callback response` with `200: OK`', async () => {
  await deployVm(d.bob, 'cb-web02');
  const before = (await d.bob.get('/task/log/stats')).body.succeeded as number;
  const stop = await d.bob.set('/vm/cb-web02/status/stop', { cb_url: `${base}/es/logged`, cb_method: 'PUT' });
  assert.equal(stop.status, 200, stop.text);
  const taskId = stop.body.task_id as string;
  await until('the callback', () => received.find((r) => r.path === '/es/logged'));
  const entries = await until('the callback entry', async () => {
    const mine = await logOf(d.bob, taskId);
    return mine.some((e) => e.msg === 'Remote callback response') ? mine : null;
  });
  assert.deepEqual(
    entries.map((e) => [e.msg, e.status]),
    [
      ['Stop server', 'PENDING'],
      ['Stop server', 'SUCCESS'],
      ['Remote callback response', 'SUCCESS'],
    ],
  );
  assert.match(entries[0].detail, new RegExp(`cb_url='${base}/es/logged' cb_method='PUT'$`));
  assert.equal(entries[2].detail, '200: OK');
  assert.equal(entries[0].object_name, 'cb-web02');
  assert.equal(received.find((r) => r.path === '/es/logged')!.method, 'PUT');
  const stats = await d.bob.get('/task/log/stats');
  assert.equal(stats.body.succeeded, before + 1, 'the callback response is not counted as a task');
});

test('GET, PUT and DELETE callbacks carry the JSON status body too', async () => {
  await deployVm(d.bob, 'cb-web03');
  const calls = [
    ['stop', 'GET'],
    ['start', 'PUT'],
    ['stop', 'DELETE'],
  ] as const;
  for (const [action, method] of calls) {
    const a = await d.bob.set(`/vm/cb-web03/status/${action}`, { cb_url: `${base}/es/${method}`, cb_method: method });
    assert.equal(a.status, 200, a.text);
    const hit = await until(method, () => received.find((r) => r.path === `/es/${method}`));
    assert.equal(hit.method, method);
    assert.equal(hit.headers['content-type'], 'application/json');
    assert.equal(hit.body.task_id, a.body.task_id);
    assert.equal(hit.body.status, 'SUCCESS');
    assert.equal(hit.body.result.returncode, 0);
  }
});

test('an invalid cb_url or cb_method does not fail the call: the log says why and nothing is called', async () => {
  await deployVm(d.bob, 'cb-bad');
  const bad = await d.bob.set('/vm/cb-bad/status/stop', { cb_url: 'ftp://example.com/x' });
  assert.equal(bad.status, 200, bad.text);
  const method = await d.bob.set('/vm/cb-bad/status/start', { cb_url: `${base}/es/never`, cb_method: 'PATCH' });
  assert.equal(method.status, 200, method.text);
  assert.equal((await logOf(d.bob, bad.body.task_id))[0].detail, "cb_url=['Enter a valid URL.']");
  assert.equal((await logOf(d.bob, method.body.task_id))[0].detail, `cb_method=['"PATCH" is not a valid choice.']`);
  assert.ok(!received.some((r) => r.path === '/es/never'));
});

test('without NUBE_OUTBOUND_ALLOW_PRIVATE a loopback cb_url is never called and the log says why', async () => {
  const es = strict.bob;
  await deployVm(es, 'cb-private');
  const stop = await es.set('/vm/cb-private/status/stop', { cb_url: `${base}/es/private` });
  assert.equal(stop.status, 200, stop.text);
  const remote = await until('the refused attempt', async () =>
    (await logOf(es, stop.body.task_id)).find((e) => e.msg === 'Remote callback response'),
  );
  assert.equal(remote.status, 'FAILURE');
  assert.match(remote.detail, /^Refused: 127\.0\.0\.1 is a loopback address/);
  assert.ok(!received.some((r) => r.path === '/es/private'), 'the receiver was never called');
});

/** The admin's Danube sign-in that `nube serve` wrote to credentials.json. */
function danubeCredentials(dataDir: string): { username: string; password: string } {
  return JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')).danube;
}

test('kill -9 while the stop runs: the restarted server delivers the callback once', { timeout: 180_000 }, async () => {
  const db = await freshDatabase();
  try {
    const env = { ...db.env, NUBE_SIM_DELAY_MS: '4000', NUBE_OUTBOUND_ALLOW_PRIVATE: '1' };
    const first = await startServe(env);
    children.push(first);
    const creds = readCredentials(db.env.NUBE_DATA_DIR!);
    const cs = new HttpCs(first.baseUrl, creds.key, creds.secret, 2);
    const img = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].name;
    const network = (await cs.ok('listNetworks', { type: 'Shared' })).network[0].name;
    await cs.close();
    const login = danubeCredentials(db.env.NUBE_DATA_DIR!);
    const tokens = mkdtempSync(join(tmpdir(), 'es-crash-'));
    const es = new EsClient(`${first.baseUrl}/api`, { tokenFile: join(tokens, 'token') });
    assert.equal((await es.login(login.username, login.password)).status, 200);
    await deployVm(es, 'crashy', img, network);
    const key = await callbackKey(es, login.username);
    const pending = new EsClient(`${first.baseUrl}/api`, { tokenFile: join(tokens, 'token'), stream: false });
    const stop = await pending.set('/vm/crashy/status/stop', { cb_url: `${base}/es/crash` });
    assert.equal(stop.status, 201, stop.text);
    assert.equal((await pending.get(`/task/${stop.body.task_id}/status`)).status, 201, 'the stop is running');
    await first.kill9();
    assert.equal(received.filter((r) => r.path === '/es/crash').length, 0, 'not delivered before the crash');
    const second = await startServe(env);
    children.push(second);
    const again = new EsClient(`${second.baseUrl}/api`, { tokenFile: join(tokens, 'token') });
    const hit = await until(
      'the callback after the restart',
      () => received.find((r) => r.path === '/es/crash'),
      90_000,
    );
    assert.equal(hit.body.task_id, stop.body.task_id);
    assert.equal(hit.body.status, 'SUCCESS');
    assert.equal(hit.body.security_token, md5(hit.body.random_token + key));
    const remote = await until('the callback entry', async () => {
      const entries = (await logOf(again, stop.body.task_id)).filter((e) => e.msg === 'Remote callback response');
      return entries.length > 0 ? entries : null;
    });
    await second.stop();
    assert.deepEqual(
      remote.map((e: any) => e.detail),
      ['200: OK'],
    );
    assert.equal(received.filter((r) => r.path === '/es/crash').length, 1, 'delivered once');
  } finally {
    await db.drop();
  }
});
