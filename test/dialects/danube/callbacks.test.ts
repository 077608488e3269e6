/**
 * Danube user callbacks: cb_url/cb_method on an asynchronous call, es's payload signed with the creator's callback key,
 * `Remote callback response` in the task log, and delivery after a kill -9 of the server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { freshDatabase } from '../../support/runtime.js';
import { readCredentials, startServe, type ServeChild } from '../../proof/child.js';
import { HttpCs } from '../../proof/http-cs.js';
import { taskStarted } from '../../../src/dialects/danube/answers.js';
import { MAIN_DC } from '../../../src/dialects/danube/dcs.js';
import type { DanubeRequest } from '../../../src/dialects/danube/request.js';
import { loadConfig } from '../../../src/config.js';
import { createRuntime } from '../../../src/runtime.js';
import type { Core } from '../../../src/core/core.js';
import type { CallContext } from '../../../src/lib/context.js';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: any;
}

let d: DanubeEnv;
let server: Server;
let base: string;
const received: Received[] = [];
const children: ServeChild[] = [];
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

before(async () => {
  d = await startDanube({ NUBE_SIM_DELAY_MS: '200', NUBE_OUTBOUND_ALLOW_PRIVATE: '1' });
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body: JSON.parse(text) });
      res.writeHead(200, 'Thanks');
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const c of children) await c.kill9();
  await d.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function until<T>(
  what: string,
  check: () => Promise<T> | T,
  ms = 20_000,
): Promise<Exclude<T, null | undefined | false>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, null | undefined | false>;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Bob as the Danube dialect sees him, his call context and his callback key. */
async function bob(core: Core) {
  const u = await core.deps.store.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', 'bob')
    .executeTakeFirstOrThrow();
  const number = (await core.aliases.numbers('user', 'danube', [u.id])).get(u.id)!;
  const ctx: CallContext = {
    accountId: u.account_id,
    accountName: 'bob',
    userId: u.id,
    isAdmin: false,
    requestId: 't',
    origin: 'danube:PUT /vm/:vm/status/start/',
  };
  const { callbackKey } = await core.credentials.issuers['user-api-key'].keysOf(u.id);
  return {
    user: { id: u.id, number, username: 'bob', accountId: u.account_id, isSuperAdmin: false },
    ctx,
    callbackKey,
  };
}

/** Starts a stopped VM of bob's and answers as a Danube async call does, with the request data given (cb_url, ...). */
async function startWith(name: string, data: Record<string, unknown>) {
  const core = d.env.rt.core;
  const b = await bob(core);
  const { receipt } = await core.vms.create(b.ctx, { name, size: {}, start: false });
  await core.jobs.wait(b.ctx, receipt.taskId, 10_000);
  const start = await core.vms.start(b.ctx, receipt.objectId);
  const q = { core, ctx: b.ctx, user: b.user, dc: MAIN_DC, params: { vm: name }, data } as unknown as DanubeRequest;
  const answer = await taskStarted(q, start, { msg: 'Start server', objectName: name });
  return { answer, taskId: (answer.body as { task_id: string }).task_id, coreTaskId: start.taskId, ...b };
}

test('a VM start with cb_url: the receiver gets the task status body signed with the creator’s callback key', async () => {
  const { answer, taskId, callbackKey } = await startWith('cb-web01', { cb_url: `${base}/es/done?x=1` });
  assert.equal(answer.status, 201);
  const hit = await until('the callback', () => received.find((r) => r.path === '/es/done?x=1'));
  assert.equal(hit.method, 'POST', 'POST by default');
  assert.equal(hit.headers['user-agent'], 'DanubeCloud/4.6');
  assert.equal(hit.headers['content-type'], 'application/json');
  assert.ok(callbackKey.length > 0);
  assert.match(hit.body.random_token, /^[0-9a-f]{32}$/);
  assert.equal(hit.body.security_token, md5(hit.body.random_token + callbackKey), 'signed with bob’s callback key');
  assert.equal(hit.body.task_id, taskId);
  assert.equal(hit.body.status, 'SUCCESS');
  assert.equal(hit.body.result.returncode, 0);
  assert.match(hit.body.result.message, /^Successfully started VM /);
  const status = await d.bob.get(`/task/${taskId}/status`);
  assert.equal(status.status, 200);
  assert.deepEqual(status.body, { task_id: taskId, status: 'SUCCESS', result: hit.body.result }, 'same as es reads it');
});

test('the task log shows the callback settings on the first entry and `Remote callback response` with the code', async () => {
  const { taskId } = await startWith('cb-web02', { cb_url: `${base}/es/logged`, cb_method: 'PUT' });
  await until('the callback', () => received.find((r) => r.path === '/es/logged'));
  const entries = await until('the callback entry', async () => {
    const log = await d.bob.get('/task/log', { page: 1 });
    const mine = (log.body.results as any[]).filter((e) => e.task === taskId);
    return mine.some((e) => e.msg === 'Remote callback response') ? mine : null;
  });
  const remote = entries.find((e) => e.msg === 'Remote callback response');
  assert.equal(remote.status, 'SUCCESS');
  assert.equal(remote.detail, '200: Thanks');
  assert.equal(remote.flag, 4);
  const first = entries.find((e) => e.status === 'PENDING');
  assert.match(first.detail, new RegExp(`cb_url='${base}/es/logged' cb_method='PUT'$`));
  assert.equal(received.find((r) => r.path === '/es/logged')!.method, 'PUT');
  const stats = await d.bob.get('/task/log/stats');
  const tasks = await d.env.rt.store.db
    .selectFrom('tasks')
    .select('id')
    .where('account_id', '=', (await bob(d.env.rt.core)).ctx.accountId)
    .where('status', '=', 'SUCCESS')
    .execute();
  assert.equal(stats.body.succeeded, tasks.length, 'callback responses are not counted as tasks');
});

test('GET and DELETE callbacks carry the JSON body too', async () => {
  await startWith('cb-web03', { cb_url: `${base}/es/get`, cb_method: 'GET' });
  await startWith('cb-web04', { cb_url: `${base}/es/delete`, cb_method: 'DELETE' });
  const get = await until('GET', () => received.find((r) => r.path === '/es/get'));
  const del = await until('DELETE', () => received.find((r) => r.path === '/es/delete'));
  assert.equal(get.method, 'GET');
  assert.equal(del.method, 'DELETE');
  for (const h of [get, del]) {
    assert.equal(h.headers['content-type'], 'application/json');
    assert.equal(h.body.status, 'SUCCESS');
  }
});

test('invalid cb_url or cb_method do not fail the call: nothing is stored and the errors are in the log detail', async () => {
  for (const [name, data, note] of [
    ['cb-bad1', { cb_url: 'ftp://example.com/x' }, "cb_url=['Enter a valid URL.']"],
    ['cb-bad2', { cb_url: `${base}/es/never`, cb_method: 'PATCH' }, `cb_method=['"PATCH" is not a valid choice.']`],
  ] as const) {
    const { answer, coreTaskId } = await startWith(name, data);
    assert.equal(answer.status, 201, `${name}: the call is made`);
    const stored = await d.env.rt.store.db
      .selectFrom('callbacks')
      .select('id')
      .where('task_id', '=', coreTaskId)
      .execute();
    assert.equal(stored.length, 0, `${name}: no callback stored`);
    const log = await d.env.rt.core.tasks.log((await bob(d.env.rt.core)).ctx, { taskId: coreTaskId }, {});
    assert.equal(log.items[0]!.detail, note);
  }
});

test(
  'kill -9 while the task runs: the restarted server delivers the pending callback',
  { timeout: 120_000 },
  async () => {
    const db = await freshDatabase();
    try {
      const env = { ...db.env, NUBE_SIM_DELAY_MS: '6000', NUBE_OUTBOUND_ALLOW_PRIVATE: '1' };
      const first = await startServe(env);
      children.push(first);
      const creds = readCredentials(db.env.NUBE_DATA_DIR!);
      const cs = new HttpCs(first.baseUrl, creds.key, creds.secret, 2);
      const zone = (await cs.ok('listZones')).zone[0];
      const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
      const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
      const deploy = await cs.ok('deployVirtualMachine', {
        zoneid: zone.id,
        serviceofferingid: offering.id,
        templateid: template.id,
        name: 'crashy',
      });
      await cs.close();
      // The callback is registered in the served store by a second runtime, as the Danube hook does for its request.
      const config = loadConfig({ ...env, NUBE_LISTEN: '127.0.0.1:0' });
      const side = await createRuntime(config, { existing: true, log: pino({ level: 'silent' }) });
      const task = await side.store.db
        .selectFrom('tasks')
        .selectAll()
        .where('id', '=', deploy.jobid)
        .executeTakeFirstOrThrow();
      const admin = { accountId: task.account_id, accountName: 'admin', userId: task.user_id, isAdmin: true };
      const ctx: CallContext = { ...admin, requestId: 't', origin: 'danube:test' };
      await side.core.callbacks.register(ctx, task.id, {
        url: `${base}/es/crash`,
        format: 'danube',
        meta: { user: 1, dc: 1 },
      });
      const { callbackKey } = await side.core.credentials.issuers['user-api-key'].keysOf(task.user_id!);
      await side.close();
      await first.kill9();
      assert.equal(received.filter((r) => r.path === '/es/crash').length, 0, 'not delivered before the crash');
      const second = await startServe(env);
      children.push(second);
      const hit = await until(
        'the callback after the restart',
        () => received.find((r) => r.path === '/es/crash'),
        60_000,
      );
      assert.equal(hit.body.status, 'SUCCESS');
      assert.equal(hit.body.security_token, md5(hit.body.random_token + callbackKey));
      await second.stop();
      const store = await createRuntime(config, { existing: true, log: pino({ level: 'silent' }) });
      const row = await store.store.db.selectFrom('callbacks').selectAll().executeTakeFirstOrThrow();
      await store.close();
      assert.equal(row.state, 'delivered');
    } finally {
      await db.drop();
    }
  },
);
