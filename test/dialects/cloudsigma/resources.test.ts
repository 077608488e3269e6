import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmaPair } from './sigma-client.js';

const t = sigmaPair();

test('VLAN create, list (vlan <uuid> lines), info, rename, destroy; invisible to other accounts', async () => {
  const v = (await t.carol.post('/resources/vlan/create', { name: 'backend' })).record;
  assert.equal(v.type, 'vlan');
  assert.equal(v.name, 'backend');
  assert.match((await t.carol.get('/resources/vlan/list')).text, new RegExp(`^vlan ${v.resource}$`, 'm'));
  assert.ok((await t.carol.get('/resources/vlan/info')).records.some((r) => r.resource === v.resource));
  assert.equal((await t.carol.post(`/resources/vlan/${v.resource}/set`, { name: 'renamed' })).record.name, 'renamed');
  assert.equal((await t.carol.get(`/resources/vlan/${v.resource}/info`)).record.name, 'renamed');
  assert.equal((await t.dave.req('GET', `/resources/vlan/${v.resource}/info`)).status, 404);
  assert.equal((await t.dave.req('GET', `/resources/vlan/${v.resource}/destroy`)).status, 404);
  assert.match((await t.carol.post('/resources/vlan/create', {}, 400)).text, /^errors:name /m);
  assert.equal((await t.carol.req('GET', `/resources/vlan/${v.resource}/destroy`)).status, 204);
  assert.ok(!(await t.carol.get('/resources/vlan/list')).list.includes(v.resource!));
});

test('static IP create (GET, as libcloud sends it), list as ip <addr>, info, destroy (204)', async () => {
  const ip = (await t.carol.req('GET', '/resources/ip/create')).record;
  assert.equal(ip.type, 'ip');
  assert.match(ip.resource!, /^\d+\.\d+\.\d+\.\d+$/);
  for (const k of ['netmask', 'gateway', 'nameserver']) assert.ok(ip[k], k);
  assert.deepEqual((await t.carol.get('/resources/ip/list')).list, [ip.resource]);
  assert.equal((await t.carol.get(`/resources/ip/${ip.resource}/info`)).record.resource, ip.resource);
  assert.equal((await t.dave.req('GET', `/resources/ip/${ip.resource}/destroy`)).status, 404);
  assert.equal((await t.carol.req('GET', `/resources/ip/${ip.resource}/destroy`)).status, 204);
  assert.deepEqual((await t.carol.get('/resources/ip/list')).list, []);
  assert.equal((await t.carol.req('GET', '/resources/ip/not-an-ip!/info')).status, 400);
});
