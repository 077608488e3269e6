import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import type { CsClient } from '../../support/cs-client.js';
import { deployVm, netCatalog, type NetCatalog } from '../cloudstack/network-fixtures.js';

let d: DanubeEnv;
let carol: CsClient;
let cat: NetCatalog;
before(async () => {
  d = await startDanube();
  carol = await d.env.account('carol');
  cat = await netCatalog(carol);
});
after(async () => {
  await d.close();
});

const H = (i: number) => `ch-gva-2-host-0${i}`;

test('nodes are for SuperAdmins: a user is refused with 403', async () => {
  for (const [method, path] of [
    ['GET', '/node'],
    ['GET', `/node/${H(1)}`],
    ['GET', '/node/define'],
    ['PUT', `/node/${H(1)}/define`],
    ['GET', `/node/${H(1)}/vm`],
    ['GET', `/node/${H(1)}/storage`],
  ] as const) {
    const a = await d.bob.call(method, path, method === 'PUT' ? { status: 1 } : {});
    assert.equal(a.status, 403, `${method} ${path}`);
    assert.deepEqual(a.body, { detail: 'You do not have permission to perform this action.' });
  }
  const still = await d.admin.get(`/node/${H(1)}`);
  assert.equal(still.body.result.status, 'online', 'a refused PUT changed nothing');
});

test('the node list: hostnames, full objects, order_by, a DC lists its zone nodes, 404 and 412', async () => {
  const names = await d.admin.get('/node');
  assert.equal(names.status, 200);
  assert.equal(names.body.status, 'SUCCESS');
  assert.equal(names.body.result.length, 8);
  assert.deepEqual(names.body.result.slice(0, 2), [H(1), H(2)]);
  const full = await d.admin.get('/node', { full: true });
  const n1 = full.body.result.find((n: any) => n.hostname === H(1));
  assert.equal(n1.status, 'online');
  assert.equal(n1.owner, 'admin');
  assert.ok(n1.cpu > 0 && n1.ram > 0 && n1.cpu_free <= n1.cpu && n1.ram_free <= n1.ram);
  const desc = await d.admin.get('/node', { order_by: '-hostname' });
  assert.equal(desc.body.result[0], 'de-fra-1-host-04');
  const bad = await d.admin.get('/node', { order_by: 'colour' });
  assert.equal(bad.status, 412);
  assert.match(bad.body.detail, /^Invalid order_by; Possible sort fields are: hostname/);
  const dc = await d.admin.get('/dc/ch-gva-2/node');
  assert.deepEqual(dc.body.result, [H(1), H(2), H(3), H(4)]);
  assert.equal((await d.admin.get('/dc/atlantis/node')).status, 404, 'an unknown DC');
  const missing = await d.admin.get('/node/no-such-node');
  assert.deepEqual([missing.status, missing.body], [404, { detail: 'Node not found' }]);
  const otherDc = await d.admin.get(`/dc/de-fra-1/node/${H(1)}`);
  assert.equal(otherDc.status, 404);
  const attach = await d.admin.create(`/dc/ch-gva-2/node/${H(1)}`, {});
  assert.deepEqual([attach.status, attach.body], [501, { detail: 'Operation not supported' }]);
});

test('a node in maintenance gets no new VMs from any dialect; its VMs of every account are listed; back online', async () => {
  for (const i of [1, 2, 3]) {
    const a = await d.admin.set(`/node/${H(i)}/define`, { status: '1', note: 'disk swap' });
    assert.equal(a.status, 200);
    assert.equal(a.body.result.status, 1);
    assert.equal(a.body.result.note, 'disk swap');
  }
  const log = await d.admin.get('/task/log', { object_type: 'node' });
  assert.equal(log.status, 200, log.text);
  assert.ok(
    log.body.results.some((e: any) => e.msg === 'Update node' && e.status === 'SUCCESS'),
    'the change is in the task log',
  );
  const core = (await d.env.rt.core.hosts.list()).find((h) => h.name === H(1))!;
  assert.equal(core.state, 'down', 'the core host state every dialect and placement read');
  const one = await d.admin.get(`/node/${H(1)}`);
  assert.equal(one.body.result.status, 'maintenance');
  assert.equal(one.body.result.node_status, 1);
  const vm1 = await deployVm(carol, cat, { name: 'web01' });
  const vm2 = await deployVm(carol, cat, { name: 'web02' });
  assert.ok(vm1.id && vm2.id);
  const onFour = await d.admin.get(`/node/${H(4)}/vm`);
  assert.deepEqual(onFour.body.result, ['web01', 'web02']);
  const full = await d.admin.get(`/node/${H(4)}/vm`, { full: true });
  assert.equal(full.body.result[0].owner, 'carol');
  assert.equal(full.body.result[0].node, H(4));
  assert.deepEqual((await d.admin.get(`/node/${H(1)}/vm`)).body.result, []);
  const four = await d.admin.get(`/node/${H(4)}`, {});
  assert.equal(four.body.result.vms, 2);
  assert.ok(four.body.result.ram_free < four.body.result.ram);
  const bad = await d.admin.set(`/node/${H(1)}/define`, { status: 7 });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.status, 'FAILURE');
  assert.ok(bad.body.result.status);
  for (const i of [1, 2, 3]) await d.admin.set(`/node/${H(i)}/define`, { status: 2 });
  const define = await d.admin.get(`/node/${H(1)}/define`);
  assert.equal(define.body.result.status, 2);
  assert.equal(define.body.result.note, 'disk swap');
  const vm3 = await deployVm(carol, cat, { name: 'web03' });
  assert.ok(vm3.id);
  const onFourAfter = await d.admin.get(`/node/${H(4)}/vm`);
  assert.ok(!onFourAfter.body.result.includes('web03'), 'the emptier hosts are back in placement');
});

test('a host the sim driver cannot reach shows as unreachable', async () => {
  const fault = await d.env.rt.core.hosts.addFault({ kind: 'host_unreachable', hostId: 'de-fra-1-host-02' });
  const a = await d.admin.get('/node/de-fra-1-host-02');
  assert.equal(a.body.result.status, 'unreachable');
  assert.equal(a.body.result.node_status, 3);
  await d.env.rt.core.hosts.clearFaults(fault.id);
  assert.equal((await d.admin.get('/node/de-fra-1-host-02')).body.result.status, 'online');
});

test("a node's storage is one zpool sized from the host; unknown zpools are 404", async () => {
  const list = await d.admin.get(`/node/${H(2)}/storage`);
  assert.deepEqual(list.body.result, ['zones']);
  const one = await d.admin.get(`/node/${H(2)}/storage/zones`);
  assert.equal(one.body.result.zpool, 'zones');
  assert.ok(one.body.result.size > 0 && one.body.result.size_free <= one.body.result.size);
  const none = await d.admin.get(`/node/${H(2)}/storage/tank`);
  assert.deepEqual([none.status, none.body], [404, { detail: 'Storage not found' }]);
  const defs = await d.admin.get('/node/define');
  assert.equal(defs.body.result.length, 8);
  assert.equal(defs.body.result[0].hostname, H(1));
});
