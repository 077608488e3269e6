/** REST webhook routes over real HTTP: configuration, secret rotation, deliveries, isolation, scopes, validation, and one end-to-end delivery. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRest, type RestEnv } from '../../support/rest.js';
import { catalog } from '../cloudstack/vm-fixtures.js';
import { until } from '../../support/until.js';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

let r: RestEnv;
let server: Server;
let receiver: string;
const received: Received[] = [];

before(async () => {
  r = await startRest({ NUBE_OUTBOUND_ALLOW_PRIVATE: '1', NUBE_WEBHOOK_RETRY_MS: '50' });
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, raw, body: raw ? JSON.parse(raw) : null });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('got it');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
after(async () => {
  await r.close();
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

const sign = (secret: string, raw: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

test('a configured webhook receives a signed snapshot.created when a VPS snapshot is made through REST, and lists it', async () => {
  const empty = await r.req('GET', '/webhooks/config');
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json, { webhook_url: null, webhook_enabled: false, has_secret: false });

  const set = await r.req('PUT', '/webhooks/config', { body: { webhook_url: receiver } });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.equal(set.json.message, 'Webhook configuration updated successfully');
  assert.equal(set.json.webhook_url, receiver);
  assert.equal(set.json.webhook_enabled, true);
  const secret: string = set.json.webhook_secret;
  assert.ok(secret.length >= 32);
  assert.deepEqual((await r.req('GET', '/webhooks/config')).json, {
    webhook_url: receiver,
    webhook_enabled: true,
    has_secret: true,
  });

  const c = await catalog(r.env.cs);
  const ctx = await r.ctxOf('admin');
  const { receipt } = await r.env.rt.core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: true,
  });
  await r.env.rt.core.deps.tasks.wait(receipt.taskId, 10_000);
  const made = await r.req('POST', '/snapshots/vps', { body: { vps_instance_id: receipt.objectId, name: 'hooked' } });
  assert.equal(made.status, 201);

  const hit = await until('snapshot.created', () => received.find((h) => h.body?.event === 'snapshot.created'));
  assert.equal(hit.headers['x-nube-signature'], sign(secret, hit.raw), 'HMAC-SHA256 of the raw body under the secret');
  assert.equal(hit.body.data.object, 'snapshot');
  assert.equal(hit.body.data.name, 'hooked');

  const listed = await until('the delivery listed as delivered', async () => {
    const page = await r.req('GET', '/webhooks/deliveries?per_page=100');
    assert.equal(page.status, 200);
    return page.json.data.find((d: any) => d.event === 'snapshot.created' && d.delivered_at);
  });
  const teams = await r.req('GET', '/user/teams');
  assert.ok(Number.isInteger(listed.id));
  assert.equal(listed.team_id, teams.json.current_team_id);
  assert.equal(listed.url, receiver);
  assert.equal(listed.signature, hit.headers['x-nube-signature']);
  assert.equal(listed.response_status, 200);
  assert.equal(listed.response_body, 'got it');
  assert.equal(listed.attempts, 1);
  assert.equal(listed.failed_at, null);
  assert.deepEqual(listed.payload, hit.body);

  const renewed = await r.req('POST', '/webhooks/config/regenerate-secret');
  assert.equal(renewed.status, 200);
  assert.equal(renewed.json.message, 'Webhook secret regenerated successfully');
  assert.notEqual(renewed.json.webhook_secret, secret);
  const again = await r.req('PUT', '/webhooks/config', { body: { webhook_url: receiver, webhook_enabled: false } });
  assert.equal(again.json.webhook_enabled, false);
  assert.equal(again.json.webhook_secret, renewed.json.webhook_secret, 'configuring keeps the current secret');
});

test('bob sees only his own webhook configuration and deliveries', async () => {
  const cfg = await r.req('GET', '/webhooks/config', { token: r.bobToken });
  assert.equal(cfg.status, 200);
  assert.deepEqual(cfg.json, { webhook_url: null, webhook_enabled: false, has_secret: false });
  const page = await r.req('GET', '/webhooks/deliveries', { token: r.bobToken });
  assert.equal(page.status, 200);
  assert.deepEqual(page.json.data, []);
  assert.equal(page.json.pagination.total, 0);
  assert.ok((await r.req('GET', '/webhooks/deliveries')).json.pagination.total >= 1, 'admin still has deliveries');
});

test('webhook scopes: read shows, write changes; others get 403', async () => {
  const none = await r.tokenFor(['vps:read']);
  for (const [method, path, body] of [
    ['GET', '/webhooks/config', undefined],
    ['GET', '/webhooks/deliveries', undefined],
    ['PUT', '/webhooks/config', { webhook_url: receiver }],
    ['POST', '/webhooks/config/regenerate-secret', undefined],
  ] as const) {
    const res = await r.req(method, path, { token: none, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.match(res.json.message, /Insufficient permissions/);
  }
  const reader = await r.tokenFor(['webhook:read']);
  assert.equal((await r.req('GET', '/webhooks/config', { token: reader })).status, 200);
  assert.equal((await r.req('GET', '/webhooks/deliveries', { token: reader })).status, 200);
  assert.equal(
    (await r.req('PUT', '/webhooks/config', { token: reader, body: { webhook_url: receiver } })).status,
    403,
  );
  const writer = await r.tokenFor(['webhook:write']);
  const put = await r.req('PUT', '/webhooks/config', { token: writer, body: { webhook_url: 'https://example.com/h' } });
  assert.equal(put.status, 200);
  assert.equal((await r.req('POST', '/webhooks/config/regenerate-secret', { token: writer })).status, 200);
  assert.equal((await r.req('GET', '/webhooks/config', { token: writer })).status, 403);
});

test('bad webhook bodies are 422 naming webhook_url or webhook_enabled', async () => {
  const cases: Array<[unknown, string]> = [
    [{}, 'webhook_url'],
    [{ webhook_url: 'not a url' }, 'webhook_url'],
    [{ webhook_url: 'ftp://example.com/x' }, 'webhook_url'],
    [{ webhook_url: 'javascript:alert(1)' }, 'webhook_url'],
    [{ webhook_url: `https://example.com/${'a'.repeat(2048)}` }, 'webhook_url'],
    [{ webhook_url: 'https://example.com/h', webhook_enabled: 'maybe' }, 'webhook_enabled'],
  ];
  for (const [body, field] of cases) {
    const res = await r.req('PUT', '/webhooks/config', { token: r.bobToken, body });
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.ok(res.json.errors[field], `${JSON.stringify(body)} names ${field}: ${JSON.stringify(res.json)}`);
  }
  assert.equal((await r.req('GET', '/webhooks/deliveries?page=0')).status, 422);
  const kept = await r.req('GET', '/webhooks/config', { token: r.bobToken });
  assert.equal(kept.json.webhook_url, 'https://example.com/h', 'a refused body changes nothing');
});
