import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';
import { deployVm, netCatalog, type NetCatalog } from '../cloudstack/network-fixtures.js';

let d: DanubeEnv;
let es: EsClient;
let cs: CsClient;
let cat: NetCatalog;
before(async () => {
  d = await startDanube();
  const carol = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  cs = new CsClient(d.env.app, carol.credentials['api-key-pair'].key, carol.credentials['api-key-pair'].secret);
  es = d.client();
  assert.equal((await es.login('carol', 'carol-password-1')).status, 200);
  cat = await netCatalog(cs);
});
after(async () => {
  await d.close();
});

const LAN = {
  network: '10.10.0.0',
  netmask: '255.255.255.0',
  gateway: '10.10.0.1',
  nic_tag: 'internal',
  vlan_id: '10',
  resolvers: ['10.10.0.1', '1.1.1.1'],
  dns_domain: 'lan.example',
  desc: 'Office LAN',
};

test('the zone networks are public: every account lists them under names unique across DCs', async () => {
  const a = await d.bob.get('/network');
  assert.equal(a.status, 200);
  assert.deepEqual(a.body.result, ['guestNetworkForBasicZone-ch-gva-2', 'guestNetworkForBasicZone-de-fra-1']);
  const dc = await d.bob.get('/dc/de-fra-1/network', { full: true });
  assert.equal(dc.body.result.length, 1);
  const n = dc.body.result[0];
  assert.equal(n.name, 'guestNetworkForBasicZone-de-fra-1');
  assert.equal(n.access, 1);
  assert.equal(n.dc, 'de-fra-1');
  assert.ok(n.network && n.netmask && n.gateway);
  const missing = await d.bob.get('/network/nope');
  assert.deepEqual([missing.status, missing.body], [404, { detail: 'Network not found' }]);
  const bad = await d.bob.get('/network', { order_by: 'vlan' });
  assert.equal(bad.status, 412);
});

test('a network made through es is the network CloudStack lists; checks of its fields; 406 for a taken name', async () => {
  const made = await es.create('/network/lan1', LAN);
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.status, 'SUCCESS');
  const v = made.body.result;
  assert.equal(v.name, 'lan1');
  assert.equal(v.network, '10.10.0.0');
  assert.equal(v.gateway, '10.10.0.1');
  assert.equal(v.vlan_id, 10);
  assert.equal(v.nic_tag, 'internal');
  assert.deepEqual(v.resolvers, ['10.10.0.1', '1.1.1.1']);
  assert.equal(v.dns_domain, 'lan.example');
  assert.equal(v.desc, 'Office LAN');
  assert.equal(v.access, 3);
  assert.equal(v.owner, 'carol');
  const listed = (await cs.ok('listNetworks')).network.find((n: any) => n.name === 'lan1');
  assert.ok(listed, 'CloudStack lists the network');
  assert.deepEqual([listed.startip, listed.endip, listed.netmask], ['10.10.0.1', '10.10.0.254', '255.255.255.0']);
  assert.equal(listed.displaytext, 'Office LAN');
  const again = await es.create('/network/lan1', LAN);
  assert.deepEqual([again.status, again.body], [406, { detail: 'Network already exists' }]);
  const missing = await es.create('/network/lan9', { network: '10.9.0.0' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.status, 'FAILURE');
  for (const f of ['netmask', 'gateway', 'nic_tag', 'vlan_id'])
    assert.deepEqual(missing.body.result[f], ['This field is required.']);
  const vlan = await es.create('/network/lan9', { ...LAN, vlan_id: 5000 });
  assert.equal(vlan.status, 400);
  assert.ok(vlan.body.result.vlan_id);
  const short = await es.create('/network/ab', LAN);
  assert.equal(short.status, 400);
  assert.ok(short.body.detail.name);
  assert.equal((await d.bob.get('/network/lan1')).status, 404, "another account's network is not found");
  assert.ok(!(await d.bob.get('/network')).body.result.includes('lan1'));
  const put = await es.set('/network/lan1', { mtu: 1400, desc: 'LAN' });
  assert.equal(put.status, 200);
  assert.equal(put.body.result.mtu, 1400);
  assert.equal(put.body.result.desc, 'LAN');
  assert.equal(put.body.result.vlan_id, 10, 'unchanged settings stay');
});

test("a network's addresses: a VM's, the gateway, reservations with notes; usage filter, order_by, 404, 406, 428", async () => {
  const lan = (await cs.ok('listNetworks')).network.find((n: any) => n.name === 'lan1');
  const vm = await deployVm(cs, cat, { networkids: lan.id, name: 'web' });
  const nic = vm.nic.find((n: any) => n.networkid === lan.id);
  const nicIp = nic.ipaddress;
  assert.equal(nicIp, '10.10.0.2', 'the gateway is never given to a NIC');
  const list = await es.get('/network/lan1/ip');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.result.map((a: any) => [a.ip, a.usage, a.hostname]),
    [
      ['10.10.0.1', 2, null],
      ['10.10.0.2', 1, 'web'],
    ],
  );
  const mine = list.body.result[1];
  assert.equal(mine.vm_uuid, vm.id);
  assert.equal(mine.nic_id, vm.nic.indexOf(nic) + 1, 'the 1-based index of the NIC on its VM');
  assert.equal(mine.mac, nic.macaddress);
  const reserved = await es.create('/network/lan1/ip/10.10.0.3', { note: 'printer' });
  assert.equal(reserved.status, 201, reserved.text);
  assert.deepEqual(
    [reserved.body.result.ip, reserved.body.result.note, reserved.body.result.usage],
    ['10.10.0.3', 'printer', 2],
  );
  const twice = await es.create('/network/lan1/ip/10.10.0.3', {});
  assert.equal(twice.status, 406);
  const outside = await es.create('/network/lan1/ip/10.99.0.3', {});
  assert.equal(outside.status, 400);
  const vm2 = await deployVm(cs, cat, { networkids: lan.id, name: 'web2' });
  assert.equal(
    vm2.nic.find((n: any) => n.networkid === lan.id).ipaddress,
    '10.10.0.4',
    'a reserved address is not given to a NIC',
  );
  const others = await es.get('/network/lan1/ip', { usage: 2 });
  assert.deepEqual(
    others.body.result.map((a: any) => a.ip),
    ['10.10.0.1', '10.10.0.3'],
  );
  const desc = await es.get('/network/lan1/ip', { order_by: '-ip' });
  assert.deepEqual(
    desc.body.result.map((a: any) => a.ip),
    ['10.10.0.4', '10.10.0.3', '10.10.0.2', '10.10.0.1'],
  );
  assert.equal((await es.get('/network/lan1/ip', { order_by: 'mac' })).status, 412);
  const noted = await es.set('/network/lan1/ip/10.10.0.3', { note: 'laser printer' });
  assert.equal(noted.body.result.note, 'laser printer');
  assert.equal((await es.get('/network/lan1/ip/10.10.0.3')).body.result.note, 'laser printer');
  const inUse = await es.delete('/network/lan1/ip/10.10.0.2');
  assert.equal(inUse.status, 428);
  const freed = await es.delete('/network/lan1/ip/10.10.0.3');
  assert.equal(freed.status, 200);
  const gone = await es.get('/network/lan1/ip/10.10.0.3');
  assert.deepEqual([gone.status, gone.body], [404, { detail: 'IP address not found' }]);
  const vms = await es.get('/network/lan1/vm');
  assert.deepEqual(vms.body.result, ['web', 'web2']);
  const busy = await es.delete('/network/lan1');
  assert.deepEqual([busy.status, busy.body], [428, { detail: 'Network is in use' }]);
  const shared = await d.bob.create('/network/guestNetworkForBasicZone-ch-gva-2/ip/10.0.0.200', {});
  assert.equal(shared.status, 403, 'only operators reserve addresses of a public network');
});

test('deleting a network through es removes it from CloudStack; a CloudStack network shows in es', async () => {
  assert.equal((await es.create('/network/lan2', { ...LAN, network: '10.20.0.0', gateway: '10.20.0.1' })).status, 201);
  const del = await es.delete('/network/lan2');
  assert.equal(del.status, 200);
  assert.equal(del.body.result, null);
  assert.ok(!(await cs.ok('listNetworks')).network.some((n: any) => n.name === 'lan2'));
  assert.equal((await es.get('/network/lan2')).status, 404);
  await cs.ok('createNetwork', { zoneid: cat.zone2.id, name: 'from-cs', displaytext: 'made by CloudStack' });
  const shown = await es.get('/dc/de-fra-1/network/from-cs');
  assert.equal(shown.status, 200);
  assert.equal(shown.body.result.desc, 'made by CloudStack');
  assert.equal((await es.get('/dc/ch-gva-2/network/from-cs')).status, 404, 'a network of another DC');
  const attach = await es.create('/dc/de-fra-1/network/from-cs', LAN);
  assert.deepEqual([attach.status, attach.body], [501, { detail: 'Operation not supported' }]);
  assert.equal((await es.delete('/dc/de-fra-1/network/from-cs')).status, 501, 'detaching is not deleting');
  assert.equal((await es.get('/network/from-cs')).status, 200);
  const pub = await d.admin.set('/network/guestNetworkForBasicZone-ch-gva-2', { desc: 'mine now' });
  assert.equal(pub.status, 403);
});

test('several reserved addresses are freed at once; none is freed when one is held by a VM', async () => {
  assert.equal((await es.create('/network/lan3', { ...LAN, network: '10.30.0.0', gateway: '10.30.0.1' })).status, 201);
  for (const ip of ['10.30.0.10', '10.30.0.11']) assert.equal((await es.create(`/network/lan3/ip/${ip}`)).status, 201);
  const withGateway = await es.delete('/network/lan3/ip', { ips: ['10.30.0.10', '10.30.0.1'] });
  assert.equal(withGateway.status, 428);
  assert.equal((await es.get('/network/lan3/ip')).body.result.length, 3, 'nothing was freed');
  assert.equal((await es.delete('/network/lan3/ip', { ips: ['10.30.0.99'] })).status, 404);
  const freed = await es.delete('/network/lan3/ip', { ips: ['10.30.0.10', '10.30.0.11'] });
  assert.equal(freed.status, 200);
  assert.deepEqual(
    (await es.get('/network/lan3/ip')).body.result.map((a: any) => a.ip),
    ['10.30.0.1'],
  );
});
