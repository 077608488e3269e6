import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmaPair, SigmaClient } from './sigma-client.js';

const t = sigmaPair();

test('static IPs show the gateway, netmask and nameservers the operator set on the zone pool', async () => {
  const ip = (await t.carol.req('GET', '/resources/ip/create')).record;
  assert.ok(ip.gateway && ip.nameserver, 'defaults are shown before any setting');
  const zone = (await t.env.rt.core.catalog.listZones())[0]!;
  await t.env.rt.core.ipPools.set(zone.name, {
    gateway: '198.51.100.1',
    netmask: '255.255.254.0',
    nameservers: ['198.51.100.53', '198.51.100.54'],
  });
  const info = (await t.carol.get(`/resources/ip/${ip.resource}/info`)).record;
  assert.equal(info.gateway, '198.51.100.1');
  assert.equal(info.netmask, '255.255.254.0');
  assert.equal(info.nameserver, '198.51.100.53 198.51.100.54');
  assert.equal((await t.carol.get('/resources/ip/info')).records[0]!.gateway, '198.51.100.1');
  await assert.rejects(t.env.rt.core.ipPools.set(zone.name, { netmask: '255.0.255.0' }), /netmask/i);
  await assert.rejects(t.env.rt.core.ipPools.set('nowhere', { gateway: '10.0.0.1' }), /not found/);
});

async function server(c: SigmaClient, name: string): Promise<string> {
  return (await c.post('/servers/create', { name, cpu: '2000', mem: '1024' })).record.server!;
}

test('server groups: create, rename, list, info, add, remove, start and stop every member, destroy; /servergroupss works too', async () => {
  const a = await server(t.carol, 'g-a');
  const b = await server(t.carol, 'g-b');
  const other = await server(t.dave, 'g-x');
  const g = (await t.carol.post('/servergroups/create', { name: 'Database Servers' })).record;
  assert.equal(g.name, 'Database Servers');
  assert.match(g.uuid!, /^[0-9a-f-]{36}$/);
  assert.equal(
    (await t.carol.post(`/servergroupss/${g.uuid}/set`, { name: 'Web Servers', description: 'front' })).record.name,
    'Web Servers',
  );
  assert.deepEqual((await t.carol.get('/servergroups/list')).list, [g.uuid]);
  assert.deepEqual((await t.dave.get('/servergroups/list')).list, []);
  assert.equal((await t.dave.req('GET', `/servergroups/${g.uuid}/info`)).status, 404);
  assert.deepEqual((await t.carol.post(`/servergroups/${g.uuid}/add`, { 'server:0': a, 'server:1': b })).list, [a, b]);
  assert.equal(
    (await t.carol.post(`/servergroups/${g.uuid}/add`, { 'server:0': other }, 404)).status,
    404,
    "another account's server",
  );
  const info = (await t.carol.get(`/servergroupss/${g.uuid}/info`)).record;
  assert.equal(info.description, 'front');
  assert.equal(info['server:1'], b);

  assert.deepEqual((await t.carol.get(`/servergroups/${g.uuid}/start`)).list, [a, b]);
  for (const id of [a, b]) assert.equal((await t.carol.get(`/servers/${id}/info`)).record.status, 'active');
  assert.equal((await t.dave.get(`/servers/${other}/info`)).record.status, 'stopped');
  assert.deepEqual((await t.carol.get(`/servergroups/${g.uuid}/stop`)).list, [a, b]);
  for (const id of [a, b]) assert.equal((await t.carol.get(`/servers/${id}/info`)).record.status, 'stopped');

  assert.deepEqual((await t.carol.post(`/servergroups/${g.uuid}/remove`, { 'server:0': a })).list, [b]);
  assert.match((await t.carol.post(`/servergroups/${g.uuid}/remove`, {}, 400)).text, /^errors:server:0 /m);
  assert.equal((await t.carol.req('GET', '/servergroups/create')).status, 405);
  assert.match((await t.carol.post('/servergroups/create', {}, 400)).text, /^errors:name /m);
  assert.equal((await t.carol.req('POST', `/servergroupss/${g.uuid}/destroy`)).status, 204);
  assert.deepEqual((await t.carol.get('/servergroups/list')).list, []);
  assert.equal((await t.carol.get(`/servers/${b}/info`)).record.server, b, 'destroying a group keeps its servers');
});

test('a destroyed server leaves its groups', async () => {
  const a = await server(t.carol, 'gone');
  const g = (await t.carol.post('/servergroups/create', { name: 'tmp' })).record;
  await t.carol.post(`/servergroups/${g.uuid}/add`, { 'server:0': a });
  assert.equal((await t.carol.req('POST', `/servers/${a}/destroy`)).status, 204);
  assert.equal((await t.carol.get(`/servergroups/${g.uuid}/info`)).record['server:0'], undefined);
  assert.deepEqual((await t.carol.get(`/servergroups/${g.uuid}/start`)).list, []);
});
