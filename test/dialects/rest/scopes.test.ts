/**
 * A scope check on every REST route: the routes are enumerated from the REST plugin itself (an onRoute collector), so a
 * new route that forgets its permission fails here. The permission a route needs follows from its method and first path
 * segment; a token holding every permission but that one gets 403 {message}, and a token holding only what the route
 * needs is not refused. Write and delete routes also read the object they change and answer it back, so they need the
 * resource's read permission beside their own.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type RouteOptions } from 'fastify';
import { startRest, type RestEnv } from '../../support/rest.js';
import { restPlugin } from '../../../src/dialects/rest/plugin.js';
import { ALL_PERMISSIONS } from '../../../src/core/permissions.js';

let r: RestEnv;
/** Every method and URL registered under /api/v1 (HEAD left out: it is GET's twin). */
const routes: Array<{ method: string; url: string }> = [];
/** The ids of bob's objects that path parameters name, by first path segment. */
const ids: Record<string, string> = {};

const PASSWORD = 'correct-horse-battery';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrk1Y2c2P9FBY1y6XJxN8zY3cGkq4lJzbn0xk0DQ7qR scopes@x';

/** The resource of each first path segment (null: the route needs no permission). */
const RESOURCE: Record<string, string | null> = {
  user: null,
  vps: 'vps',
  'ssh-keys': 'ssh-key',
  firewalls: 'firewall',
  snapshots: 'snapshot',
  webhooks: 'webhook',
};

/** The action each method needs. */
const ACTION: Record<string, string> = { GET: 'read', POST: 'write', PUT: 'write', PATCH: 'write', DELETE: 'delete' };

/** The permission a route needs, and the ones a token holding only what it needs gets. */
function needs(method: string, url: string): { permission: string | null; only: string[] } {
  const segment = url.split('/')[3] ?? '';
  assert.ok(segment in RESOURCE, `no permission rule for the first segment of ${method} ${url}`);
  const resource = RESOURCE[segment];
  assert.ok(ACTION[method], `no permission rule for method ${method} (${url})`);
  if (!resource) return { permission: null, only: [] };
  const permission = `${resource}:${ACTION[method]}`;
  return { permission, only: method === 'GET' ? [permission] : [permission, `${resource}:read`] };
}

/** Bodies a route accepts, so that its call reaches the handler (an invalid body is refused before the scope check). */
function bodyOf(method: string, url: string): unknown {
  const route = `${method} ${url.replace('/api/v1', '')}`;
  const bodies: Record<string, unknown> = {
    'POST /vps': {
      name: `scoped-${Math.floor(Math.random() * 1e9)}`,
      image: 'ubuntu-24.04',
      datacenter: 'fsn1',
      auth_method: 'password',
      password: PASSWORD,
      password_confirmation: PASSWORD,
    },
    'PUT /vps/:id': { configuration: { auto_start: true } },
    'POST /vps/:id/reinstall': { image: 'ubuntu-24.04' },
    'POST /ssh-keys': { name: `k${Math.floor(Math.random() * 1e9)}`, public_key: KEY },
    'POST /firewalls': { name: `fw-${Math.floor(Math.random() * 1e9)}` },
    'PUT /firewalls/:id': { description: 'scoped' },
    'POST /firewalls/:id/attach': { instance_type: 'vps', instance_id: ids.vps },
    'POST /firewalls/:id/detach': { instance_type: 'vps', instance_id: ids.vps },
    'POST /snapshots/vps': { vps_instance_id: ids.vps, name: 'scoped' },
    'PUT /webhooks/config': { webhook_url: 'https://hooks.example.com/nube' },
  };
  if (route in bodies) return bodies[route];
  return method === 'GET' || method === 'DELETE' ? undefined : {};
}

/** The path of a route with bob's objects for its parameters (a wildcard matches the bare prefix). */
function pathOf(url: string): string {
  const segment = url.split('/')[3] ?? '';
  return url
    .replace(/^\/api\/v1/, '')
    .replace(/\*$/, '')
    .replace(/:([a-z_]+)/g, (_m, name: string) => {
      const id = ids[segment];
      assert.ok(id && name === 'id', `no object for parameter :${name} of ${url}`);
      return id;
    });
}

before(async () => {
  r = await startRest();
  const probe = Fastify();
  probe.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD' && route.url.startsWith('/api/v1/')) routes.push({ method, url: route.url });
  });
  await probe.register(restPlugin, { core: r.env.rt.core, prefix: '/api' });
  await probe.ready();
  await probe.close();
  const bob = { token: r.bobToken };
  const key = await r.req('POST', '/ssh-keys', { ...bob, body: { name: 'scopes', public_key: KEY } });
  assert.equal(key.status, 201, JSON.stringify(key.json));
  ids['ssh-keys'] = String(key.json.key.id);
  const vps = await r.req('POST', '/vps', {
    ...bob,
    body: {
      name: 'scopes',
      image: 'ubuntu-24.04',
      datacenter: 'fsn1',
      auth_method: 'ssh_key',
      ssh_key_id: key.json.key.id,
    },
  });
  assert.equal(vps.status, 201, JSON.stringify(vps.json));
  ids.vps = vps.json.instance.id;
  for (let i = 0; i < 200 && (await r.req('GET', `/vps/${ids.vps}/status`, bob)).json.status !== 'running'; i++)
    await new Promise((ok) => setTimeout(ok, 25));
  const fw = await r.req('POST', '/firewalls', { ...bob, body: { name: 'scopes-fw' } });
  assert.equal(fw.status, 201, JSON.stringify(fw.json));
  ids.firewalls = String(fw.json.firewall.id);
  const snap = await r.req('POST', '/snapshots/vps', { ...bob, body: { vps_instance_id: ids.vps, name: 'scopes' } });
  assert.equal(snap.status, 201, JSON.stringify(snap.json));
  ids.snapshots = String(snap.json.snapshot.id);
});
after(async () => {
  await r?.close();
});

/** The routes in the order they are called: deletions last, so every other call still finds its object. */
function ordered() {
  return [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

test('the REST plugin registers the routes this test knows how to judge', () => {
  assert.ok(routes.length >= 30, `only ${routes.length} routes were collected`);
  for (const { method, url } of routes) needs(method, url);
  for (const p of ['GET /api/v1/vps', 'DELETE /api/v1/ssh-keys/:id', 'POST /api/v1/snapshots/vps'])
    assert.ok(
      routes.some((x) => `${x.method} ${x.url}` === p),
      `${p} was collected`,
    );
});

test('every route refuses a token that holds every permission but the one it needs with 403 {message}', async () => {
  const bad: string[] = [];
  for (const { method, url } of ordered()) {
    const { permission } = needs(method, url);
    if (!permission) continue;
    const token = await r.tokenFor(ALL_PERMISSIONS.filter((p) => p !== permission));
    const a = await r.req(method, pathOf(url), { token, body: bodyOf(method, url) });
    if (a.status !== 403 || typeof a.json?.message !== 'string' || Object.keys(a.json).length !== 1)
      bad.push(`${method} ${url} without ${permission} → ${a.status} ${JSON.stringify(a.json)?.slice(0, 200)}`);
  }
  assert.deepEqual(bad, []);
});

test('every route lets a token holding only what it needs through (not 403)', async () => {
  const bad: string[] = [];
  for (const { method, url } of ordered()) {
    const { only } = needs(method, url);
    const token = await r.tokenFor(only.length ? only : ['webhook:read']);
    const a = await r.req(method, pathOf(url), { token, body: bodyOf(method, url) });
    if (a.status === 403 || a.status === 401 || (a.status >= 500 && a.json?.error !== 'metrics_unavailable'))
      bad.push(
        `${method} ${url} with ${only.join(',') || 'no permission'} → ${a.status} ${JSON.stringify(a.json)?.slice(0, 200)}`,
      );
  }
  assert.deepEqual(bad, []);
});
