/** Webhooks (core.webhooks): configuration per account, events of VPS/firewall/snapshot changes posted signed to a real receiver, retries, refusals. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { createRuntime } from '../../src/runtime.js';
import { WebhookService } from '../../src/core/webhooks/service.js';
import type { CallContext } from '../../src/lib/context.js';
import { systemContext } from '../../src/lib/context.js';
import { CoreError } from '../../src/lib/errors.js';
import { catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { until } from '../support/until.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
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
    NUBE_OUTBOUND_ALLOW_PRIVATE: '1',
    NUBE_WEBHOOK_RETRY_MS: '50',
    NUBE_WEBHOOK_ATTEMPTS: '3',
  });
  const a = await env.rt.core.accounts.createAccount('hooked');
  ctx = systemContext(a.account.id, 'hooked', 'test');
  const b = await env.rt.core.accounts.createAccount('stranger');
  other = systemContext(b.account.id, 'stranger', 'test');
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, raw, body: raw ? JSON.parse(raw) : null });
      const status = answers.get(path)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'thanks' : 'x'.repeat(5000));
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
const sign = (secret: string, raw: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

/** A stopped VM of the test account (its create task ended). */
async function stoppedVm(name: string): Promise<string> {
  const { receipt } = await env.rt.core.vms.create(ctx, { name, size: {}, start: false });
  await env.rt.core.jobs.wait(ctx, receipt.taskId, 10_000);
  return receipt.objectId;
}

async function done(receipt: { taskId: string }): Promise<void> {
  const job = await env.rt.core.jobs.wait(ctx, receipt.taskId, 10_000);
  assert.equal(job?.status, 'SUCCESS');
}

test('configure, read back and regenerate: a secret is made once, only its existence is shown, bad URLs are refused', async () => {
  assert.deepEqual(await env.rt.core.webhooks.config(ctx), { url: null, enabled: false, hasSecret: false });
  for (const url of ['ftp://example.com/x', 'not a url', '']) {
    await assert.rejects(
      env.rt.core.webhooks.configure(ctx, { url }),
      (e: unknown) => e instanceof CoreError && e.kind === 'Invalid' && 'webhook_url' in (e.fields ?? {}),
      url,
    );
  }
  const first = await env.rt.core.webhooks.configure(ctx, { url: `${base}/off`, enabled: false });
  assert.equal(first.enabled, false);
  assert.match(first.secret, /^whsec_.{20,}/);
  const again = await env.rt.core.webhooks.configure(ctx, { url: `${base}/hook` });
  assert.equal(again.secret, first.secret, 'configuring again keeps the secret');
  assert.equal(again.enabled, true, 'enabled defaults to true');
  assert.deepEqual(await env.rt.core.webhooks.config(ctx), { url: `${base}/hook`, enabled: true, hasSecret: true });
  const stored = await env.rt.store.db
    .selectFrom('webhook_configs')
    .select('secret_enc')
    .where('account_id', '=', ctx.accountId)
    .executeTakeFirstOrThrow();
  assert.ok(!stored.secret_enc!.includes(first.secret), 'the secret is stored encrypted');
  const fresh = await env.rt.core.webhooks.regenerateSecret(other);
  assert.match(fresh.secret, /^whsec_/);
  assert.deepEqual(await env.rt.core.webhooks.config(other), { url: null, enabled: false, hasSecret: true });
  const limited = { ...ctx, permissions: new Set(['webhook:read']) };
  await env.rt.core.webhooks.config(limited);
  await assert.rejects(
    async () => env.rt.core.webhooks.regenerateSecret(limited),
    (e: unknown) => (e as CoreError).kind === 'Forbidden',
  );
});

test('a VM started through core posts a signed vps.started to the receiver; after regenerating, only the new secret verifies', async () => {
  const { secret } = await env.rt.core.webhooks.configure(ctx, { url: `${base}/hook` });
  const vmId = await stoppedVm('wh-start');
  const created = await until('vps.created', () => hits('/hook').find((h) => h.body.data.id === vmId));
  assert.equal(created.body.event, 'vps.created');
  await done(await env.rt.core.vms.start(ctx, vmId));
  const hit = await until('vps.started', () =>
    hits('/hook').find((h) => h.body.event === 'vps.started' && h.body.data.id === vmId),
  );
  assert.equal(hit.headers['x-nube-signature'], sign(secret, hit.raw), 'HMAC-SHA256 of the raw body under the secret');
  assert.equal(hit.headers['x-nube-event'], 'vps.started');
  assert.equal(hit.headers['x-nube-delivery'], hit.body.id);
  assert.equal(hit.headers['user-agent'], 'Nube-Webhooks/1');
  assert.equal(hit.headers['content-type'], 'application/json');
  assert.equal(hit.body.team_id, ctx.accountId);
  assert.ok(!Number.isNaN(Date.parse(hit.body.created_at)));
  assert.deepEqual(hit.body.data, { object: 'vps', id: vmId, name: 'wh-start', status: 'running' });
  const listed = await until('the delivery marked delivered', async () => {
    const page = await env.rt.core.webhooks.deliveries(ctx, { page: 1, perPage: 50 });
    const d = page.items.find((i) => i.id === hit.body.id);
    return d?.deliveredAt ? d : null;
  });
  assert.equal(listed.event, 'vps.started');
  assert.equal(listed.signature, hit.headers['x-nube-signature']);
  assert.deepEqual(listed.payload, hit.body);
  assert.equal(listed.responseStatus, 200);
  assert.equal(listed.responseBody, 'thanks');
  assert.equal(listed.attempts, 1);
  assert.equal(listed.failedAt, null);

  const { secret: renewed } = await env.rt.core.webhooks.regenerateSecret(ctx);
  assert.notEqual(renewed, secret);
  await done(await env.rt.core.vms.stop(ctx, vmId, true));
  const stopped = await until('vps.stopped', () =>
    hits('/hook').find((h) => h.body.event === 'vps.stopped' && h.body.data.id === vmId),
  );
  assert.equal(stopped.headers['x-nube-signature'], sign(renewed, stopped.raw), 'the new secret signs');
  assert.notEqual(stopped.headers['x-nube-signature'], sign(secret, stopped.raw), 'the old secret no longer does');
  assert.equal(stopped.body.data.status, 'stopped');
  await done(await env.rt.core.vms.destroy(ctx, vmId));
  const deleted = await until('vps.deleted', () =>
    hits('/hook').find((h) => h.body.event === 'vps.deleted' && h.body.data.id === vmId),
  );
  assert.deepEqual(deleted.body.data, { object: 'vps', id: vmId, name: 'wh-start', status: 'deleted' });
});

test('firewall and snapshot changes are events too, and a disabled webhook queues nothing', async () => {
  await env.rt.core.webhooks.configure(ctx, { url: `${base}/objects` });
  const { group } = await env.rt.core.firewalls.create(ctx, { name: 'wh-fw' });
  await env.rt.core.firewalls.delete(ctx, { id: group.id });
  const c = await catalog(env.cs);
  const { receipt } = await env.rt.core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: false,
  });
  await done(receipt);
  const vol = (await env.rt.core.volumes.list(ctx, { vmId: receipt.objectId })).items[0]!;
  const snap = await env.rt.core.snapshots.create(ctx, vol.id, 'wh-snapshot');
  await done(snap);
  await env.rt.core.snapshots.delete(ctx, snap.objectId);
  const events = await until('five events', () => {
    const got = hits('/objects').map((h) => [h.body.event, h.body.data.object, h.body.data.id, h.body.data.name]);
    return got.length >= 5 ? got : null;
  });
  assert.deepEqual(
    events.filter((e) => e[1] !== 'vps').sort((a, b) => a[0].localeCompare(b[0])),
    [
      ['firewall.created', 'firewall', group.id, 'wh-fw'],
      ['firewall.deleted', 'firewall', group.id, 'wh-fw'],
      ['snapshot.created', 'snapshot', snap.objectId, 'wh-snapshot'],
      ['snapshot.deleted', 'snapshot', snap.objectId, 'wh-snapshot'],
    ],
  );
  await env.rt.core.webhooks.configure(ctx, { url: `${base}/objects`, enabled: false });
  const before = (await env.rt.core.webhooks.deliveries(ctx, { page: 1, perPage: 1 })).total;
  await stoppedVm('wh-quiet');
  assert.equal((await env.rt.core.webhooks.deliveries(ctx, { page: 1, perPage: 1 })).total, before);
});

test('a receiver answering 500 is retried with backoff, then the delivery is marked failed with the answer kept', async () => {
  answers.set('/broken', [500, 500, 500, 500]);
  await env.rt.core.webhooks.configure(ctx, { url: `${base}/broken` });
  const vmId = await stoppedVm('wh-broken');
  const failed = await until('the failed delivery', async () => {
    const page = await env.rt.core.webhooks.deliveries(ctx, { page: 1, perPage: 10 });
    const d = page.items.find((i) => (i.payload as any).data.id === vmId);
    return d?.failedAt ? d : null;
  });
  assert.equal(hits('/broken').length, 3, 'NUBE_WEBHOOK_ATTEMPTS attempts, no more');
  assert.equal(failed.attempts, 3);
  assert.equal(failed.deliveredAt, null);
  assert.equal(failed.responseStatus, 500);
  assert.equal(failed.responseBody!.length, 2048, 'the answer is truncated to 2 KB');
  assert.match(failed.errorMessage!, /500/);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(hits('/broken').length, 3, 'a failed delivery is not attempted again');
});

test('without NUBE_OUTBOUND_ALLOW_PRIVATE a loopback receiver is refused and the delivery fails with the reason', async () => {
  await env.rt.core.webhooks.stop();
  const strict = new WebhookService({
    ...env.rt.core.deps,
    config: { ...env.config, outbound: { ...env.config.outbound, allowPrivate: false, webhookAttempts: 1 } },
  });
  strict.start(pino({ level: 'silent' }));
  try {
    await env.rt.core.webhooks.configure(ctx, { url: `${base}/private` });
    await stoppedVm('wh-private');
    const failed = await until('the refused delivery', async () => {
      const page = await env.rt.core.webhooks.deliveries(ctx, { page: 1, perPage: 1 });
      return page.items[0]?.url === `${base}/private` && page.items[0].failedAt ? page.items[0] : null;
    });
    assert.match(failed.errorMessage!, /Refused: 127\.0\.0\.1 is a loopback address/);
    assert.equal(failed.responseStatus, null);
    assert.equal(hits('/private').length, 0, 'nothing reached the receiver');
  } finally {
    await strict.stop();
    env.rt.core.webhooks.start();
  }
});

/**
 * Another worker on the same database: on PostgreSQL a second process (its own runtime and pools); on SQLite, which one
 * process owns, a second webhook service over the same store.
 */
async function secondWorker(): Promise<{ close(): Promise<void> }> {
  if (TEST_DB === 'postgres') {
    const rt = await createRuntime(env.config, {
      startEngine: true,
      log: pino({ level: 'silent' }),
      masterKey: env.masterKey,
    });
    return { close: () => rt.close() };
  }
  const webhooks = new WebhookService(env.rt.core.deps);
  webhooks.start();
  return { close: () => webhooks.stop() };
}

test('two workers on one database (two processes on PostgreSQL) send each delivery once', async () => {
  await env.rt.core.webhooks.configure(ctx, { url: `${base}/shared` });
  await env.rt.core.webhooks.stop();
  const groups = [];
  for (let i = 0; i < 12; i++)
    groups.push((await env.rt.core.firewalls.create(ctx, { name: `wh-shared-${i}` })).group.id);
  const second = await secondWorker();
  env.rt.core.webhooks.start();
  try {
    await until('twelve deliveries', () => hits('/shared').length >= 12);
    await until('all marked delivered', async () => {
      const rows = await env.rt.store.db
        .selectFrom('webhook_deliveries')
        .select('state')
        .where('url', '=', `${base}/shared`)
        .execute();
      return rows.length === 12 && rows.every((r) => r.state === 'delivered');
    });
    await new Promise((r) => setTimeout(r, 300));
    const ids = hits('/shared').map((h) => h.body.id);
    assert.equal(new Set(ids).size, 12);
    assert.equal(ids.length, 12, 'no delivery was sent twice');
    assert.deepEqual(new Set(hits('/shared').map((h) => h.body.data.id)), new Set(groups));
  } finally {
    await second.close();
  }
});

test("another account's deliveries are not listed; pages are newest first", async () => {
  assert.deepEqual(await env.rt.core.webhooks.deliveries(other, { page: 1, perPage: 10 }), { items: [], total: 0 });
  const all = await env.rt.core.webhooks.deliveries(ctx, { page: 1, perPage: 1000 });
  assert.ok(all.total >= 8);
  assert.ok(all.items.every((d) => d.accountId === ctx.accountId));
  const created = all.items.map((d) => d.createdAt);
  assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
  const second = await env.rt.core.webhooks.deliveries(ctx, { page: 2, perPage: 2 });
  assert.equal(second.total, all.total);
  assert.deepEqual(
    second.items.map((d) => d.id),
    all.items.slice(2, 4).map((d) => d.id),
  );
});
