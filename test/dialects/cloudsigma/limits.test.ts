import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { LimitChanges } from '../../../src/core/quotas/service.js';
import { sigmaUser, type SigmaClient } from './sigma-client.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

/** A fresh CloudSigma user whose account has the given overrides. */
async function limited(name: string, changes: LimitChanges): Promise<SigmaClient> {
  const c = await sigmaUser(env, name);
  await env.rt.core.quotas.set(name, changes);
  return c;
}

/** A refusal past a limit: 400 with one `errors:` line naming the limit. */
async function refused(c: SigmaClient, url: string, body: Record<string, string>, re: RegExp): Promise<void> {
  const a = await c.post(url, body, 400);
  assert.match(a.text, /^errors: Limit exceeded: /);
  assert.match(a.text, re);
}

const start = () => new Date().toISOString().slice(0, 16).replace('T', ' ');

test('drives: create and clone past the drive count or storage limit answer 400 and create nothing; destroying frees the room', async () => {
  const c = await limited('s-drives', { volumes: 2, storage_gb: 1 });
  const a = (await c.post('/drives/create', { name: 'a', size: '512M' })).record.drive!;
  await refused(c, '/drives/create', { name: 'b', size: '513M' }, /at most 1 GB of volume storage/);
  await c.post(`/drives/${a}/clone`, { name: 'a2' });
  await refused(c, '/drives/create', { name: 'c', size: '1M' }, /at most 2 volumes/);
  await refused(c, `/drives/${a}/clone`, { name: 'a3' }, /at most 2 volumes/);
  assert.equal((await c.get('/drives/list')).list.length, 2);
  await c.post(`/drives/${a}/destroy`, undefined, 204);
  await c.post('/drives/create', { name: 'd', size: '1M' });
});

test('many drive creates at once: exactly the limit succeeds', async () => {
  const c = await limited('s-race', { volumes: 5 });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => c.req('POST', '/drives/create', { name: `r${i}`, size: '1M' })),
  );
  assert.deepEqual(answers.map((a) => a.status).sort(), [...Array(5).fill(200), ...Array(15).fill(400)]);
  assert.equal((await c.get('/drives/list')).list.length, 5);
});

test('servers: create, set and clone past the server, core or memory limit answer 400; a refused clone leaves no drive copy', async () => {
  const c = await limited('s-servers', { vms: 1, cpus: 2, memory_mb: 2048 });
  const d = (await c.post('/drives/create', { name: 'disk', size: '4M' })).record.drive!;
  const s = (await c.post('/servers/create', { name: 's1', cpu: '2000', mem: '1024', 'ide:0:0': d })).record.server!;
  await refused(c, '/servers/create', { name: 's2', cpu: '1000', mem: '256' }, /at most 1 virtual machines/);
  await refused(c, `/servers/${s}/set`, { cpu: '6000' }, /vCPUs/);
  await refused(c, `/servers/${s}/set`, { mem: '4096' }, /MB of memory/);
  assert.equal((await c.get(`/servers/${s}/info`)).record.mem, '1024');
  await refused(c, `/servers/${s}/clone`, { name: 's3' }, /virtual machines/);
  assert.deepEqual((await c.get('/drives/list')).list, [d], 'the drive copy made for the refused clone is gone');
  await env.rt.core.quotas.set('s-servers', { vms: 2, cpus: 4, memory_mb: 4096 });
  assert.equal((await c.post(`/servers/${s}/clone`, { name: 's3' })).record.mem, '1024');
  await c.post(`/servers/${s}/set`, { mem: '2048' });
});

test('VLANs and static IPs, created or subscribed, past their limits answer 400 and charge nothing', async () => {
  const c = await limited('s-net', { networks: 1, ips: 1 });
  await env.rt.core.billing.credit('s-net', '1000');
  const v = (await c.post('/resources/vlan/create', { name: 'v1' })).record.resource;
  assert.ok(v);
  await refused(
    c,
    '/subscriptions/network/vlan/create',
    { quantity: '1', start_time: start(), months: '1' },
    /private networks/,
  );
  await refused(c, '/resources/vlan/create', { name: 'v2' }, /at most 1 private networks/);
  await refused(
    c,
    '/subscriptions/network/ip/create',
    { quantity: '2', start_time: start(), months: '1' },
    /at most 1 public IP addresses/,
  );
  assert.equal((await c.get('/balance/info')).record.balance, '1000.00', 'refused subscriptions charge nothing');
  assert.deepEqual((await c.get('/subscriptions/list')).records, []);
  assert.deepEqual((await c.get('/resources/ip/list')).list, []);
  const ip = (await c.post('/subscriptions/network/ip/create', { quantity: '1', start_time: start(), months: '1' }))
    .record.resource;
  assert.deepEqual((await c.get('/resources/ip/list')).list, [ip]);
});
