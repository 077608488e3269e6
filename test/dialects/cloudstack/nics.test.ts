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

/** The modified EUI-64 interface id of a MAC, as four IPv6 groups. */
function eui64(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  return [((b[0]! ^ 2) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!]
    .map((g) => g.toString(16))
    .join(':');
}

test("listNics shows the VM's NICs with their addressing and pages them", async () => {
  const vm = await deployVm(env.cs, c);
  const res = await env.cs.ok('listNics', { virtualmachineid: vm.id });
  assert.equal(res.count, 1);
  const nic = res.nic[0];
  assert.equal(nic.id, vm.nic[0].id);
  assert.equal(nic.virtualmachineid, vm.id);
  assert.equal(nic.isdefault, true);
  assert.equal(nic.deviceid, '0');
  assert.match(nic.ipaddress, /^100\.6[4-9]\./);
  assert.match(nic.macaddress, /^06(:[0-9a-f]{2}){5}$/);
  assert.equal(nic.netmask, '255.240.0.0');
  assert.equal(nic.gateway, '100.64.0.1');
  assert.deepEqual(nic.secondaryip, []);
  assert.deepEqual(await env.cs.ok('listNics', { virtualmachineid: vm.id, nicid: nic.id }), res);
  assert.deepEqual(await env.cs.ok('listNics', { virtualmachineid: vm.id, page: 2, pagesize: 1 }), {
    count: 1,
    nic: [],
  });
  await fails(env.cs, 'listNics', {}, 431, /missing parameter virtualmachineid/);
  await fails(env.cs, 'listNics', { virtualmachineid: '00000000-0000-4000-8000-000000000000' }, 431, /not found/);
  await fails(bob, 'listNics', { virtualmachineid: vm.id }, 431, /not found/);
});

test("activateIp6 derives the address from the MAC inside the zone's /64 and keeps it", async () => {
  const vm = await deployVm(env.cs, c);
  const nicId = vm.nic[0].id;
  const first = await env.cs.ok('activateIp6', { nicid: nicId });
  assert.ok(first.jobid);
  const nic = (await env.cs.done('activateIp6', { nicid: nicId })).nic;
  const zonePart = parseInt(c.zone.id.slice(0, 4), 16).toString(16);
  assert.equal(nic.ip6address, `2001:db8:${zonePart}:0:${eui64(nic.macaddress)}`);
  assert.equal(nic.ip6cidr, `${nic.ip6address}/64`);
  assert.equal(nic.id, nicId);
  assert.equal(nic.virtualmachineid, vm.id);
  assert.equal(nic.ipaddress, vm.nic[0].ipaddress, 'IPv4 stays');
  const again = (await env.cs.done('activateIp6', { nicid: nicId })).nic;
  assert.equal(again.ip6address, nic.ip6address);
  assert.equal((await env.cs.ok('listNics', { virtualmachineid: vm.id })).nic[0].ip6address, nic.ip6address);
  assert.equal(
    (await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].nic[0].ip6address,
    nic.ip6address,
  );
  const other = await deployVm(env.cs, c);
  const otherNic = (await env.cs.done('activateIp6', { nicid: other.nic[0].id })).nic;
  assert.notEqual(otherNic.ip6address, nic.ip6address);
  await fails(bob, 'activateIp6', { nicid: nicId }, 431, /not found/);
  await fails(env.cs, 'activateIp6', { nicid: '00000000-0000-4000-8000-000000000000' }, 431, /not found/);
});

test('addIpToNic attaches an elastic IP and removeIpFromNic detaches it', async () => {
  const vm = await deployVm(env.cs, c);
  const nicId = vm.nic[0].id;
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  const added = await env.cs.job('addIpToNic', { nicid: nicId, ipaddress: ip.ipaddress });
  assert.equal(added.jobstatus, 1);
  const sec = added.jobresult.nicsecondaryip;
  assert.equal(sec.ipaddress, ip.ipaddress);
  assert.equal(sec.nicid, nicId);
  assert.equal(sec.networkid, vm.nic[0].networkid);
  assert.equal(sec.virtualmachineid, vm.id);
  assert.ok(sec.id);
  const listed = (await env.cs.ok('listPublicIpAddresses', { id: ip.id })).publicipaddress[0];
  assert.equal(listed.virtualmachineid, vm.id);
  assert.equal(listed.virtualmachinename, vm.name);
  assert.deepEqual((await env.cs.ok('listNics', { virtualmachineid: vm.id })).nic[0].secondaryip, [
    { id: sec.id, ipaddress: ip.ipaddress },
  ]);
  const inList = async (id: string) =>
    (await env.cs.ok('listVirtualMachines', { id })).virtualmachine[0].nic[0].secondaryip;
  assert.deepEqual(await inList(vm.id), [{ id: sec.id, ipaddress: ip.ipaddress }], 'the VM list shows it too');
  assert.deepEqual(
    (await env.cs.ok('listPublicIpAddresses', { virtualmachineid: vm.id })).publicipaddress.map((x: any) => x.id),
    [ip.id],
  );

  const vm2 = await deployVm(env.cs, c);
  await fails(env.cs, 'addIpToNic', { nicid: vm2.nic[0].id, ipaddress: ip.ipaddress }, 431, /already attached/);
  await fails(env.cs, 'disassociateIpAddress', { id: ip.id }, 431, /attached/);

  assert.deepEqual(await env.cs.done('removeIpFromNic', { id: sec.id }), { success: true });
  assert.equal(
    (await env.cs.ok('listPublicIpAddresses', { id: ip.id })).publicipaddress[0].virtualmachineid,
    undefined,
  );
  assert.deepEqual((await env.cs.ok('listNics', { virtualmachineid: vm.id })).nic[0].secondaryip, []);
  assert.deepEqual(await inList(vm.id), []);
  await fails(env.cs, 'removeIpFromNic', { id: sec.id }, 431, /not found/);
  const moved = (await env.cs.done('addIpToNic', { nicid: vm2.nic[0].id, ipaddress: ip.ipaddress })).nicsecondaryip;
  assert.equal(moved.virtualmachineid, vm2.id, 'a detached IP can go to another VM');
});

test("addIpToNic only accepts the caller's elastic IPs of the VM's zone", async () => {
  const vm = await deployVm(env.cs, c);
  const nicId = vm.nic[0].id;
  await fails(env.cs, 'addIpToNic', { nicid: nicId }, 431, /ipaddress/);
  await fails(env.cs, 'addIpToNic', { nicid: nicId, ipaddress: '10.1.2.3' }, 431, /not one of your elastic IP/);
  await fails(env.cs, 'addIpToNic', { nicid: nicId, ipaddress: 'ten' }, 431, /Invalid IP/);
  const far = (await env.cs.done('associateIpAddress', { zoneid: c.zone2.id })).ipaddress;
  await fails(env.cs, 'addIpToNic', { nicid: nicId, ipaddress: far.ipaddress }, 431, /zone/);
  const bobs = (await bob.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await fails(env.cs, 'addIpToNic', { nicid: nicId, ipaddress: bobs.ipaddress }, 431, /not one of your elastic IP/);
  const mine = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await fails(bob, 'addIpToNic', { nicid: nicId, ipaddress: bobs.ipaddress }, 431, /not found/);
  const sec = (await env.cs.done('addIpToNic', { nicid: nicId, ipaddress: mine.ipaddress })).nicsecondaryip;
  await fails(bob, 'removeIpFromNic', { id: sec.id }, 431, /not found/);
  await fails(env.cs, 'removeIpFromNic', {}, 431, /missing parameter id/);
});

test('destroying a VM frees its elastic IP, which can then be released', async () => {
  const vm = await deployVm(env.cs, c);
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.done('addIpToNic', { nicid: vm.nic[0].id, ipaddress: ip.ipaddress });
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  const after = (await env.cs.ok('listPublicIpAddresses', { id: ip.id })).publicipaddress[0];
  assert.equal(after.virtualmachineid, undefined);
  assert.deepEqual(await env.cs.done('disassociateIpAddress', { id: ip.id }), { success: true });
  await fails(env.cs, 'listNics', { virtualmachineid: vm.id }, 431, /not found/);
});
