/**
 * ES-STREAM through es: an asynchronous VM action sent with the header es sends is answered with es_stream, spaces
 * while the task runs, then "<code>\n" and the task status; without the header it is 201 PENDING at once; a client
 * that goes away mid-stream leaves the server and the task unharmed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';

let d: DanubeEnv;
let image: string;
let net: string;
let adminAuth: string;

before(async () => {
  d = await startDanube({ NUBE_SIM_DELAY_MS: '2500' });
  const c = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  const keys = c.credentials['api-key-pair'];
  const cs = new CsClient(d.env.app, keys.key, keys.secret);
  net = (await cs.ok('listNetworks', { type: 'Shared' })).network[0].name;
  image = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].name;
  const admin = await d.admin.get('/accounts/user/admin');
  assert.equal(admin.status, 200, admin.text);
  adminAuth = `Basic ${Buffer.from(`${admin.body.result.email}:${d.adminPassword}`).toString('base64')}`;
});
after(async () => {
  await d.close();
});

/** Defines a VM with a disk from the image and a NIC on the shared network, and deploys it (es waits: ES-STREAM). */
async function deployVm(es: EsClient, hostname: string): Promise<void> {
  assert.equal((await es.create(`/vm/${hostname}/define`, { vcpus: 1, ram: 512 })).status, 201);
  assert.equal((await es.create(`/vm/${hostname}/define/disk/1`, { size: 10240, image })).status, 201);
  assert.equal((await es.create(`/vm/${hostname}/define/nic/1`, { net })).status, 201);
  const deployed = await es.create(`/vm/${hostname}`);
  assert.equal(deployed.status, 200, deployed.text);
}

/** Polls a Danube task's status until it is no longer 201, returning every code seen. */
async function codesUntilDone(es: EsClient, taskId: string): Promise<{ codes: number[]; body: any }> {
  const codes: number[] = [];
  for (let i = 0; i < 600; i++) {
    const st = await es.get(`/task/${taskId}/status`);
    if (codes.at(-1) !== st.status) codes.push(st.status);
    if (st.status !== 201) return { codes, body: st.body };
    await new Promise((r) => setTimeout(r, 50));
  }
  return assert.fail(`task ${taskId} did not finish`);
}

test('es set status/stop with ES-STREAM: spaces while it runs, then "200\\n" and the SUCCESS status', async () => {
  await deployVm(d.bob, 'st-web01');
  const a = await d.bob.set('/vm/st-web01/status/stop');
  assert.equal(a.streamed, true);
  assert.equal(a.headers.es_stream, 'True');
  assert.equal(a.headers.es_task_id, a.body.task_id);
  assert.ok(a.headers['x-request-id'], 'a streamed answer carries its request id');
  const m = /^( *)200\n([\s\S]*)$/.exec(a.text);
  assert.ok(m, `spaces, the code line, then the status: ${JSON.stringify(a.text)}`);
  assert.ok(m[1]!.length >= 2, `a space per poll while the 2.5 s stop runs: ${JSON.stringify(m[1])}`);
  assert.deepEqual(JSON.parse(m[2]!), {
    task_id: a.body.task_id,
    status: 'SUCCESS',
    result: { message: 'Successfully completed stop of VM st-web01', returncode: 0 },
  });
  assert.equal(a.status, 200);
  assert.equal((await d.bob.get('/vm/st-web01/status')).body.result.status, 'stopped');
});

test('a start that fails on the node streams "400\\n" and the FAILURE status', async () => {
  await deployVm(d.bob, 'st-fail');
  assert.equal((await d.bob.set('/vm/st-fail/status/stop')).status, 200);
  const uuid = (await d.bob.get('/vm/st-fail/status')).body.result.uuid;
  const fault = await fetch(d.url.replace(/\/api$/, '/admin/sim/faults'), {
    method: 'POST',
    headers: { authorization: adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'fail_next_start', vm_id: uuid }),
  });
  assert.equal(fault.status, 201, await fault.text());
  const a = await d.bob.set('/vm/st-fail/status/start');
  assert.match(a.text, /^ *400\n\{/);
  assert.equal(a.status, 400);
  assert.equal(a.body.status, 'FAILURE');
  assert.equal(a.body.result.returncode, 1);
  assert.match(a.body.result.message, /Simulated fault/);
  const st = await d.bob.get(`/task/${a.body.task_id}/status`);
  assert.deepEqual([st.status, st.body.status], [400, 'FAILURE']);
  assert.equal((await d.bob.get('/vm/st-fail/status')).body.result.status, 'stopped');
});

test('without ES-STREAM the answer is 201 PENDING at once, and /task/<id>/status/ goes 201 → 200', async () => {
  await deployVm(d.bob, 'st-web02');
  const es = d.client({ apiKey: d.bobApiKey, stream: false });
  const a = await es.set('/vm/st-web02/status/stop');
  assert.equal(a.streamed, false);
  assert.equal(a.status, 201);
  assert.equal(a.headers.es_stream, undefined);
  assert.deepEqual(a.body, { status: 'PENDING', result: null, task_id: a.headers.es_task_id });
  const { codes, body } = await codesUntilDone(es, a.body.task_id);
  assert.deepEqual(codes, [201, 200]);
  assert.deepEqual(body, {
    task_id: a.body.task_id,
    status: 'SUCCESS',
    result: { message: 'Successfully completed stop of VM st-web02', returncode: 0 },
  });
});

/** Sends an es-style streamed PUT and resolves with the response once its first space arrived, the request kept open. */
function streamOpen(path: string): Promise<{ res: IncomingMessage; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${d.url}${path}`, {
      method: 'PUT',
      headers: { 'es-stream': 'es', 'es-api-key': d.bobApiKey, 'content-type': 'application/json' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.once('data', () => resolve({ res, destroy: () => req.destroy() }));
    });
    req.end('{}');
  });
}

test('a client that disconnects mid-stream does not break the server: the next request works, the task finishes', async () => {
  await deployVm(d.bob, 'st-web03');
  const { res, destroy } = await streamOpen('/vm/st-web03/status/stop/');
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers.es_stream, 'True');
  const taskId = String(res.headers.es_task_id);
  destroy();
  const vm = await d.bob.get('/vm/st-web03');
  assert.equal(vm.status, 200, vm.text);
  const { body } = await codesUntilDone(d.bob, taskId);
  assert.equal(body.status, 'SUCCESS');
  assert.equal((await d.bob.get('/vm/st-web03/status')).body.result.status, 'stopped');
  const again = await d.bob.set('/vm/st-web03/status/start');
  assert.match(again.text, /^ *200\n/, 'the next streamed answer is whole');
  assert.equal(again.body.status, 'SUCCESS');
});
