import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { deployVm, fails, netCatalog, type NetCatalog } from './network-fixtures.js';

let env: TestEnv;
let c: NetCatalog;
let bob: CsClient;
before(async () => {
  env = await startTestEnv();
  c = await netCatalog(env.cs);
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

const range = { startip: '10.0.0.10', endip: '10.0.0.200', netmask: '255.255.255.0' };

test("listNetworks shows each zone's shared guest network but never the elastic IP pools", async () => {
  const res = await env.cs.ok('listNetworks', { type: 'Shared' });
  assert.equal(res.count, 2);
  const gva = res.network.find((n: any) => n.zoneid === c.zone.id);
  assert.equal(gva.type, 'Shared');
  assert.equal(gva.name, 'guestNetworkForBasicZone');
  assert.equal(gva.zonename, c.zone.name);
  assert.equal(gva.canusefordeploy, true);
  assert.equal(gva.traffictype, 'Guest');
  assert.equal(gva.gateway, '100.64.0.1');
  assert.equal(gva.cidr, '100.64.0.0/12');
  assert.ok(gva.networkofferingid && gva.displaytext);
  const all = await env.cs.ok('listNetworks');
  assert.ok(!all.network.some((n: any) => /elastic/i.test(n.name)));
  assert.deepEqual(
    (await env.cs.ok('listNetworks', { zoneid: c.zone.id, type: 'shared' })).network.map((n: any) => n.id),
    [gva.id],
  );
  assert.deepEqual(await env.cs.ok('listNetworks', { canusefordeploy: false }), { count: 0, network: [] });
  await fails(env.cs, 'listNetworks', { type: 'Vpc' }, 431, /Isolated or Shared/);
});

test("createNetwork makes an unmanaged private network shaped like Exoscale's", async () => {
  const n = (
    await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'privnet-1', displaytext: 'Private network 1' })
  ).network;
  assert.equal(n.name, 'privnet-1');
  assert.equal(n.displaytext, 'Private network 1');
  assert.equal(n.type, 'Isolated');
  assert.equal(n.state, 'Implemented');
  assert.equal(n.networkofferingname, 'PrivNet');
  assert.equal(n.canusefordeploy, true);
  assert.deepEqual(n.service, [{ name: 'PrivateNetwork' }]);
  assert.equal(n.traffictype, 'Guest');
  assert.equal(n.broadcastdomaintype, 'Vxlan');
  assert.equal(n.acltype, 'Account');
  assert.equal(n.zoneid, c.zone.id);
  assert.equal(n.zonename, c.zone.name);
  assert.equal(n.account, 'alice');
  assert.equal(n.specifyipranges, false);
  assert.deepEqual(n.tags, []);
  assert.equal(n.startip, undefined);
  assert.equal(n.netmask, undefined);
  assert.deepEqual((await env.cs.ok('listNetworks', { id: n.id })).network, [n]);
  assert.ok(
    !('jobid' in (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'x', displaytext: 'x' }))),
    'createNetwork is synchronous',
  );
});

test('a managed network shows its range and leases addresses from it to VMs', async () => {
  const n = (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'managed', displaytext: 'managed', ...range }))
    .network;
  assert.equal(n.startip, '10.0.0.10');
  assert.equal(n.endip, '10.0.0.200');
  assert.equal(n.netmask, '255.255.255.0');
  const vm = await deployVm(env.cs, c, { networkids: n.id });
  const nic = vm.nic.find((x: any) => x.networkid === n.id);
  assert.equal(nic.ipaddress, '10.0.0.10');
  assert.deepEqual(
    (await env.cs.ok('listVirtualMachines', { networkid: n.id })).virtualmachine.map((v: any) => v.id),
    [vm.id],
  );
});

test('createNetwork validates the range', async () => {
  const z = c.zone.id;
  const base = { zoneid: z, name: 'bad', displaytext: 'bad' };
  await fails(env.cs, 'createNetwork', { ...base, startip: '10.0.0.10', endip: '10.0.0.20' }, 431, /together/);
  await fails(env.cs, 'createNetwork', { ...base, ...range, startip: '10.0.0' }, 431, /startip must be an IPv4/);
  await fails(env.cs, 'createNetwork', { ...base, ...range, endip: '::1' }, 431, /endip must be an IPv4/);
  await fails(env.cs, 'createNetwork', { ...base, ...range, netmask: '255.0.255.0' }, 431, /netmask/);
  await fails(env.cs, 'createNetwork', { ...base, ...range, startip: '10.0.0.201' }, 431, /must not be after/);
  await fails(env.cs, 'createNetwork', { ...base, ...range, endip: '10.0.1.20' }, 431, /same/);
  await fails(
    env.cs,
    'createNetwork',
    { ...base, startip: '10.0.0.1', endip: '10.2.0.1', netmask: '255.0.0.0' },
    431,
    /at most 65536/,
  );
  await fails(env.cs, 'createNetwork', { ...base, ...range, startip: '10.0.0.0' }, 431, /network address/);
  await fails(env.cs, 'createNetwork', { ...base, ...range, endip: '10.0.0.255' }, 431, /broadcast/);
  await fails(env.cs, 'createNetwork', { zoneid: z, displaytext: 'x' }, 431, /missing parameter name/);
  await fails(env.cs, 'createNetwork', { zoneid: z, name: 'x' }, 431, /missing parameter displaytext/);
  await fails(env.cs, 'createNetwork', { name: 'x', displaytext: 'x' }, 431, /missing parameter zoneid/);
  await fails(env.cs, 'createNetwork', { ...base, name: ' ' }, 431, /name/);
  await fails(env.cs, 'createNetwork', { ...base, zoneid: '00000000-0000-4000-8000-000000000000' }, 431, /zone/);
  const big = (
    await env.cs.ok('createNetwork', {
      ...base,
      name: 'big',
      displaytext: 'big',
      startip: '10.8.0.1',
      endip: '10.9.0.0',
      netmask: '255.254.0.0',
    })
  ).network;
  assert.equal(big.endip, '10.9.0.0', 'exactly 65536 addresses are allowed');
  assert.equal((await env.cs.ok('listNetworks', { keyword: 'bad' })).count, 0, 'refused networks are not created');
});

test('listNetworks filters private networks by type and keyword and pages them', async () => {
  await env.cs.ok('createNetwork', { zoneid: c.zone2.id, name: 'findme-net', displaytext: 'Find me' });
  const isolated = await env.cs.ok('listNetworks', { type: 'Isolated' });
  assert.ok(isolated.network.every((n: any) => n.type === 'Isolated' && n.account === 'alice'));
  assert.deepEqual(
    (await env.cs.ok('listNetworks', { keyword: 'FINDME' })).network.map((n: any) => n.name),
    ['findme-net'],
  );
  const all = await env.cs.ok('listNetworks');
  const page = await env.cs.ok('listNetworks', { page: 2, pagesize: 2 });
  assert.equal(page.count, all.count);
  assert.deepEqual(
    page.network.map((n: any) => n.id),
    all.network.slice(2, 4).map((n: any) => n.id),
  );
});

test('updateNetwork renames and changes the range, keeping leased addresses inside it', async () => {
  const n = (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'upd', displaytext: 'upd', ...range }))
    .network;
  const vm = await deployVm(env.cs, c, { networkids: n.id });
  const leased = vm.nic.find((x: any) => x.networkid === n.id).ipaddress;
  const first = await env.cs.ok('updateNetwork', { id: n.id, name: 'renamed' });
  assert.ok(first.jobid);
  const renamed = (await env.cs.done('updateNetwork', { id: n.id, displaytext: 'Renamed network' })).network;
  assert.equal(renamed.name, 'renamed');
  assert.equal(renamed.displaytext, 'Renamed network');
  await fails(
    env.cs,
    'updateNetwork',
    { id: n.id, startip: '10.0.0.50' },
    431,
    new RegExp(`${leased.replace(/\./g, '\\.')} is in use`),
  );
  await fails(env.cs, 'updateNetwork', { id: n.id, endip: '10.0.1.5' }, 431, /same/);
  const moved = (await env.cs.done('updateNetwork', { id: n.id, endip: '10.0.0.100' })).network;
  assert.equal(moved.startip, '10.0.0.10');
  assert.equal(moved.endip, '10.0.0.100');
  const unmanaged = (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'um', displaytext: 'um' })).network;
  await fails(env.cs, 'updateNetwork', { id: unmanaged.id, startip: '10.1.0.10' }, 431, /together/);
  const nowManaged = (
    await env.cs.done('updateNetwork', {
      id: unmanaged.id,
      startip: '10.1.0.10',
      endip: '10.1.0.20',
      netmask: '255.255.255.0',
    })
  ).network;
  assert.equal(nowManaged.startip, '10.1.0.10');
  await fails(env.cs, 'updateNetwork', { id: n.id, name: '' }, 431, /name/);
});

test('deleteNetwork is refused while a VM uses the network and for the shared network', async () => {
  const n = (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'del', displaytext: 'del', ...range }))
    .network;
  const vm = await deployVm(env.cs, c, { networkids: n.id });
  await fails(env.cs, 'deleteNetwork', { id: n.id }, 431, /in use/);
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  assert.deepEqual(await env.cs.done('deleteNetwork', { id: n.id }), { success: true });
  assert.deepEqual(await env.cs.ok('listNetworks', { id: n.id }), { count: 0, network: [] });
  await fails(env.cs, 'deleteNetwork', { id: n.id }, 431, /not found/);
  const shared = (await env.cs.ok('listNetworks', { type: 'Shared' })).network[0];
  await fails(env.cs, 'deleteNetwork', { id: shared.id }, 431, /shared guest network/);
  await fails(env.cs, 'updateNetwork', { id: shared.id, name: 'mine' }, 431, /shared guest network/);
});

test("bob can neither see nor touch alice's networks", async () => {
  const n = (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'alice-only', displaytext: 'alice-only' }))
    .network;
  const seen = await bob.ok('listNetworks');
  assert.ok(!seen.network.some((x: any) => x.id === n.id));
  assert.equal(seen.count, 2, 'bob sees only the shared networks');
  assert.deepEqual(await bob.ok('listNetworks', { id: n.id }), { count: 0, network: [] });
  await fails(bob, 'updateNetwork', { id: n.id, name: 'stolen' }, 431, /not found/);
  await fails(bob, 'deleteNetwork', { id: n.id }, 431, /not found/);
  await fails(bob, 'listPortForwardingRules', { networkid: n.id }, 431, /not found/);
  assert.equal((await env.cs.ok('listNetworks', { id: n.id })).network[0].name, 'alice-only');
});
