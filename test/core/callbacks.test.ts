/** Task callbacks (core.callbacks): delivered from the database once the task ends, with the rendered body and method, retried with backoff, logged per attempt. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { CallbackService } from '../../src/core/callbacks/service.js';
import { createRuntime } from '../../src/runtime.js';
import type { Config } from '../../src/config.js';
import type { CallContext } from '../../src/lib/context.js';
import { CoreError } from '../../src/lib/errors.js';
import { until } from '../support/until.js';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: any;
}

let env: TestEnv;
let ctx: CallContext;
let other: CallContext;
let server: Server;
let base: string;
const received: Received[] = [];
/** Status codes the receiver answers, in order, per path; 200 once the list is used up. */
const answers = new Map<string, number[]>();

before(async () => {
  env = await startTestEnv({
    NUBE_SIM_DELAY_MS: '300',
    NUBE_OUTBOUND_ALLOW_PRIVATE: '1',
    NUBE_CALLBACK_RETRY_MS: '100',
    NUBE_CALLBACK_ATTEMPTS: '3',
  });
  const a = await env.rt.core.accounts.createAccount('hooked');
  ctx = {
    accountId: a.account.id,
    accountName: 'hooked',
    userId: a.user.id,
    isAdmin: false,
    requestId: 't',
    origin: 't',
  };
  const b = await env.rt.core.accounts.createAccount('stranger');
  other = { ...ctx, accountId: b.account.id, accountName: 'stranger', userId: b.user.id };
  env.rt.core.callbacks.renderer('test', async (job) => ({
    body: { task: job.id, status: job.status, object: job.objectId },
    headers: { 'User-Agent': 'Tester/1.0' },
  }));
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, method: req.method ?? '', headers: req.headers, body: text ? JSON.parse(text) : null });
      const status = answers.get(path)?.shift() ?? 200;
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await env.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const hits = (path: string) => received.filter((r) => r.path === path);

async function callbackLog(taskId: string) {
  const page = await env.rt.core.tasks.log(ctx, { taskId, action: 'callback' }, {});
  return page.items.map((e) => ({ status: e.status, detail: e.detail, userId: e.userId }));
}

async function callbackRow(id: string) {
  return env.rt.store.db.selectFrom('callbacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A VM of the test account and a finished task on it. */
async function finishedTask(name: string): Promise<{ vmId: string; taskId: string }> {
  const { receipt } = await env.rt.core.vms.create(ctx, { name, size: {}, start: false });
  await env.rt.core.jobs.wait(ctx, receipt.taskId, 10_000);
  return { vmId: receipt.objectId, taskId: receipt.taskId };
}

test('a callback registered while its task runs is called once the task ended, with the rendered body and the method', async () => {
  const { vmId } = await finishedTask('cb-start');
  const start = await env.rt.core.vms.start(ctx, vmId);
  await env.rt.core.callbacks.register(ctx, start.taskId, {
    url: `${base}/started?x=1`,
    method: 'PUT',
    format: 'test',
  });
  const [hit] = await until('the callback', () => (hits('/started?x=1').length ? hits('/started?x=1') : null));
  assert.equal(hit!.method, 'PUT');
  assert.deepEqual(hit!.body, { task: start.taskId, status: 'SUCCESS', object: vmId });
  assert.equal(hit!.headers['content-type'], 'application/json');
  assert.equal(hit!.headers['user-agent'], 'Tester/1.0');
  const task = await env.rt.core.jobs.get(ctx, start.taskId);
  assert.equal(task.status, 'SUCCESS');
  const log = await until('the task-log entry', async () => {
    const l = await callbackLog(start.taskId);
    return l.length ? l : null;
  });
  assert.deepEqual(log, [{ status: 'SUCCESS', detail: '200: OK', userId: ctx.userId }]);
  const all = await env.rt.core.tasks.log(ctx, { taskId: start.taskId }, {});
  assert.deepEqual(
    all.items.map((e) => [e.action === 'callback' ? 'callback' : 'task', e.status]),
    [
      ['task', 'PENDING'],
      ['task', 'SUCCESS'],
      ['callback', 'SUCCESS'],
    ],
    'the callback entry follows the task entries and names the same object',
  );
  assert.ok(all.items.every((e) => e.objectId === vmId));
  assert.equal(hits('/started?x=1').length, 1, 'delivered once');
});

test('a receiver that fails the first time gets the callback again after a backoff; each attempt is in the task log', async () => {
  const { taskId } = await finishedTask('cb-retry');
  answers.set('/flaky', [503]);
  const { id } = await env.rt.core.callbacks.register(ctx, taskId, { url: `${base}/flaky`, format: 'test' });
  await until('two attempts', () => hits('/flaky').length >= 2);
  assert.deepEqual(
    hits('/flaky').map((h) => h.method),
    ['POST', 'POST'],
    'POST unless another method is given',
  );
  const row = await until('delivery', async () => {
    const r = await callbackRow(id);
    return r.state === 'delivered' ? r : null;
  });
  assert.equal(Number(row.attempts), 2);
  assert.equal(row.last_result, '200: OK');
  assert.deepEqual(
    (await callbackLog(taskId)).map((e) => [e.status, e.detail]),
    [
      ['FAILURE', '503: Service Unavailable'],
      ['SUCCESS', '200: OK'],
    ],
  );
});

test('a receiver that always fails is given up after the configured attempts', async () => {
  const { taskId } = await finishedTask('cb-gone');
  answers.set('/broken', [500, 500, 500, 500, 500]);
  const { id } = await env.rt.core.callbacks.register(ctx, taskId, { url: `${base}/broken`, format: 'test' });
  const row = await until('giving up', async () => {
    const r = await callbackRow(id);
    return r.state === 'failed' ? r : null;
  });
  assert.equal(Number(row.attempts), 3);
  assert.equal(hits('/broken').length, 3);
  assert.deepEqual(
    (await callbackLog(taskId)).map((e) => e.status),
    ['FAILURE', 'FAILURE', 'FAILURE'],
  );
});

test('an unreachable receiver is a FAILURE entry naming the error', async () => {
  const { taskId } = await finishedTask('cb-unreachable');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await env.rt.core.callbacks.register(ctx, taskId, { url: `http://127.0.0.1:${port}/x`, format: 'test' });
  const log = await until('a failed attempt', async () => {
    const l = await callbackLog(taskId);
    return l.length ? l : null;
  });
  assert.equal(log[0]!.status, 'FAILURE');
  assert.match(log[0]!.detail ?? '', /ECONNREFUSED/);
});

test('a callback whose format has no renderer waits, and is delivered once the renderer is registered', async () => {
  const { taskId } = await finishedTask('cb-later');
  const waiting = await env.rt.core.callbacks.register(ctx, taskId, { url: `${base}/later`, format: 'later' });
  const now = await env.rt.core.callbacks.register(ctx, taskId, { url: `${base}/now`, format: 'test' });
  await until('the rendered one', async () => (await callbackRow(now.id)).state === 'delivered');
  const row = await callbackRow(waiting.id);
  assert.equal(row.state, 'pending');
  assert.equal(Number(row.attempts), 0);
  assert.equal(hits('/later').length, 0);
  env.rt.core.callbacks.renderer('later', async (job) => ({ body: { late: job.id } }));
  await until('the late one', async () => (await callbackRow(waiting.id)).state === 'delivered');
  assert.deepEqual(
    hits('/later').map((h) => h.body),
    [{ late: taskId }],
  );
});

test('register refuses a URL that is not http(s), an unknown method, and another account’s task', async () => {
  const { taskId } = await finishedTask('cb-invalid');
  const refused = async (input: { url: string; method?: string }, as: CallContext = ctx) => {
    const err = await env.rt.core.callbacks.register(as, taskId, { ...input, format: 'test' }).then(
      () => assert.fail('registered'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoreError);
    return err;
  };
  for (const url of ['ftp://example.com/x', 'not a url', 'javascript:alert(1)']) {
    const e = await refused({ url });
    assert.equal(e.kind, 'Invalid');
    assert.deepEqual(Object.keys(e.fields), ['url']);
  }
  for (const method of ['PATCH', 'HEAD', 'post']) {
    const e = await refused({ url: `${base}/x`, method });
    assert.equal(e.kind, 'Invalid');
    assert.deepEqual(Object.keys(e.fields), ['method']);
  }
  assert.equal((await refused({ url: `${base}/x` }, other)).kind, 'NotFound');
  const count = await env.rt.store.db
    .selectFrom('callbacks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('task_id', '=', taskId)
    .executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 0);
});

/**
 * Another worker on the same database: on PostgreSQL a second process (its own runtime and pools); on SQLite, which one
 * process owns, a second callback service over the same store.
 */
async function secondWorker(config: Config): Promise<{ callbacks: CallbackService; close(): Promise<void> }> {
  if (TEST_DB === 'postgres') {
    const rt = await createRuntime(config, {
      startEngine: true,
      log: pino({ level: 'silent' }),
      masterKey: env.masterKey,
    });
    return { callbacks: rt.core.callbacks, close: () => rt.close() };
  }
  const callbacks = new CallbackService({ ...env.rt.core.deps, config });
  callbacks.start();
  return { callbacks, close: () => callbacks.stop() };
}

test('two workers on one database (two processes on PostgreSQL) deliver each callback once', async () => {
  const rt2 = await secondWorker(env.config);
  try {
    rt2.callbacks.renderer('test', async (job) => ({ body: { task: job.id, by: 'second' } }));
    const { taskId } = await finishedTask('cb-shared');
    const ids = [];
    for (let i = 0; i < 12; i++)
      ids.push((await env.rt.core.callbacks.register(ctx, taskId, { url: `${base}/shared/${i}`, format: 'test' })).id);
    for (const id of ids) await until(`callback ${id}`, async () => (await callbackRow(id)).state === 'delivered');
    for (let i = 0; i < 12; i++) assert.equal(hits(`/shared/${i}`).length, 1, `callback ${i} delivered once`);
    const log = await callbackLog(taskId);
    assert.equal(log.length, 12);
    assert.ok(log.every((e) => e.status === 'SUCCESS'));
  } finally {
    await rt2.close();
  }
});

test('without NUBE_OUTBOUND_ALLOW_PRIVATE a callback to a name resolving to loopback is refused and logged, never called', async () => {
  const strict = await secondWorker({ ...env.config, outbound: { ...env.config.outbound, allowPrivate: false } });
  try {
    strict.callbacks.renderer('strict', async (job) => ({ body: { task: job.id } }));
    const { taskId } = await finishedTask('cb-strict');
    const port = (server.address() as AddressInfo).port;
    const { id } = await env.rt.core.callbacks.register(ctx, taskId, {
      url: `http://localhost:${port}/strict`,
      format: 'strict',
    });
    await until('giving up', async () => (await callbackRow(id)).state === 'failed');
    const log = await callbackLog(taskId);
    assert.equal(log.length, 3);
    for (const e of log) {
      assert.equal(e.status, 'FAILURE');
      assert.match(e.detail ?? '', /^Refused: localhost resolves to (127\.0\.0\.1|::1), which is a loopback address$/);
    }
    assert.equal(hits('/strict').length, 0);
  } finally {
    await strict.close();
  }
});
