/** Reverse DNS commands: PTR names of a VM's default NIC addresses (IPv4 and IPv6) and of elastic IPs, what the DNS server reads (core.reverseDns.ptr), and their end when the address is released. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { deployVm, fails, netCatalog, type NetCatalog } from './network-fixtures.js';
import { addressFromReverseName, reverseName } from '../../../src/lib/reverse-name.js';
import { SigmaClient } from '../cloudsigma/sigma-client.js';

const KEY = { NUBE_MASTER_KEY: 'cd'.repeat(32) };
const MISSING = '00000000-0000-4000-8000-000000000000';

let env: TestEnv;
let c: NetCatalog;
let bob: CsClient;
before(async () => {
  env = await startTestEnv(KEY);
  c = await netCatalog(env.cs);
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

/** What the DNS server answers for an address. */
const ptr = (address: string) => env.rt.core.reverseDns.ptr(address);

/** The full eight-group, zero-padded, upper-case spelling of an IPv6 address (a form other than the canonical one). */
function expanded(ip6: string): string {
  const [head, tail = ''] = ip6.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip6.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.padStart(4, '0').toUpperCase()).join(':');
}

/** A running VM with IPv6 activated on its default NIC: its id and both addresses. */
async function dualStackVm(): Promise<{ id: string; ip4: string; ip6: string }> {
  const vm = await deployVm(env.cs, c);
  const nic = (await env.cs.done('activateIp6', { nicid: vm.nic[0].id })).nic;
  return { id: vm.id, ip4: nic.ipaddress, ip6: nic.ip6address };
}

test('updateReverseDnsForVirtualMachine points the IPv4 and IPv6 addresses of the default NIC at the name', async () => {
  const vm = await dualStackVm();
  const nicId = (await env.cs.ok('listNics', { virtualmachineid: vm.id })).nic[0].id;
  const empty = await env.cs.ok('queryReverseDnsForVirtualMachine', { id: vm.id });
  assert.deepEqual(empty.virtualmachine, { id: vm.id, nic: [{ id: nicId, isdefault: true, reversedns: [] }] });
  assert.equal(await ptr(vm.ip4), undefined);

  const r = await env.cs.call('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'My.Host.Example.com.' });
  assert.equal(r.status, 200, r.raw);
  assert.ok(r.raw.startsWith('{"updatereversednsforvirtualmachineresponse":'), r.raw);
  const owner = { nicid: nicId, virtualmachineid: vm.id };
  const records = [
    { ipaddress: vm.ip4, domainname: 'my.host.example.com', ...owner },
    { ip6address: vm.ip6, domainname: 'my.host.example.com', ...owner },
  ];
  assert.deepEqual(r.body.virtualmachine, { id: vm.id, nic: [{ id: nicId, isdefault: true, reversedns: records }] });
  const q = await env.cs.ok('queryReverseDnsForVirtualMachine', { id: vm.id });
  assert.deepEqual(q.virtualmachine.nic[0].reversedns, records);

  assert.deepEqual(await ptr(vm.ip4), { name: 'my.host.example.com', ttl: 3600 });
  assert.deepEqual(await ptr(vm.ip6), { name: 'my.host.example.com', ttl: 3600 });
  assert.deepEqual(await ptr(expanded(vm.ip6)), { name: 'my.host.example.com', ttl: 3600 }, 'any spelling of IPv6');
  const fromQueryName = addressFromReverseName(reverseName(vm.ip6)!.toUpperCase() + '.')!;
  assert.equal((await ptr(fromQueryName))?.name, 'my.host.example.com', 'an ip6.arpa query name finds it');
  assert.equal((await ptr(addressFromReverseName(reverseName(vm.ip4)!)!))?.name, 'my.host.example.com');
  assert.equal(await ptr('not an address'), undefined);
  const xml = await env.cs.call('queryReverseDnsForVirtualMachine', { id: vm.id }, { json: false });
  assert.equal(xml.status, 200, xml.raw);
  assert.match(xml.raw, /<queryreversednsforvirtualmachineresponse[^>]*>[\s\S]*<reversedns>[\s\S]*<ip6address>/);
  assert.ok(xml.raw.includes(`<ipaddress>${vm.ip4}</ipaddress><domainname>my.host.example.com</domainname>`), xml.raw);
});

test('a second update replaces the name and delete removes every record of the VM', async () => {
  const vm = await dualStackVm();
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'first.example.com' });
  const second = await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'second.example.org' });
  assert.deepEqual(
    second.virtualmachine.nic[0].reversedns.map((e: any) => e.domainname),
    ['second.example.org', 'second.example.org'],
  );
  assert.equal((await ptr(vm.ip4))?.name, 'second.example.org');
  assert.equal((await ptr(vm.ip6))?.name, 'second.example.org');

  const del = await env.cs.call('deleteReverseDnsFromVirtualMachine', { id: vm.id });
  assert.equal(del.status, 200, del.raw);
  assert.deepEqual(del.body, { success: true });
  assert.deepEqual(
    (await env.cs.ok('queryReverseDnsForVirtualMachine', { id: vm.id })).virtualmachine.nic[0].reversedns,
    [],
  );
  assert.equal(await ptr(vm.ip4), undefined);
  assert.equal(await ptr(vm.ip6), undefined);
  assert.deepEqual(
    await env.cs.ok('deleteReverseDnsFromVirtualMachine', { id: vm.id }),
    { success: true },
    'again: no error',
  );
});

test('a VM without IPv6 gets an IPv4 record only; its IPv6 address gets one at the next update', async () => {
  const vm = await deployVm(env.cs, c);
  const ip4 = vm.nic[0].ipaddress;
  const one = await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'v4.example.net' });
  assert.deepEqual(
    one.virtualmachine.nic[0].reversedns.map((e: any) => [e.ipaddress, e.ip6address, e.domainname]),
    [[ip4, undefined, 'v4.example.net']],
  );
  const ip6 = (await env.cs.done('activateIp6', { nicid: vm.nic[0].id })).nic.ip6address;
  assert.equal(await ptr(ip6), undefined);
  assert.equal(
    (await env.cs.ok('queryReverseDnsForVirtualMachine', { id: vm.id })).virtualmachine.nic[0].reversedns.length,
    1,
  );
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'v6.example.net' });
  assert.equal((await ptr(ip6))?.name, 'v6.example.net');
  assert.equal((await ptr(ip4))?.name, 'v6.example.net');
});

test('the elastic IP commands query, set, replace and delete the PTR record of that address', async () => {
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  const empty = await env.cs.ok('queryReverseDnsForPublicIpAddress', { id: ip.id });
  assert.deepEqual(empty, { ipaddress: { id: ip.id, reversedns: [] } });

  const r = await env.cs.call('updateReverseDnsForPublicIpAddress', { id: ip.id, domainname: 'mail.example.co.uk' });
  assert.equal(r.status, 200, r.raw);
  assert.ok(r.raw.startsWith('{"updatereversednsforpublicipaddressresponse":'), r.raw);
  const record = { ipaddress: ip.ipaddress, domainname: 'mail.example.co.uk', publicipid: ip.id };
  assert.deepEqual(r.body, { ipaddress: { id: ip.id, reversedns: [record] } });
  assert.deepEqual((await env.cs.ok('queryReverseDnsForPublicIpAddress', { id: ip.id })).ipaddress.reversedns, [
    record,
  ]);
  assert.deepEqual(await ptr(ip.ipaddress), { name: 'mail.example.co.uk', ttl: 3600 });

  await env.cs.ok('updateReverseDnsForPublicIpAddress', { id: ip.id, domainname: 'smtp.example.com' });
  assert.equal((await ptr(ip.ipaddress))?.name, 'smtp.example.com');
  const listed = (await env.cs.ok('queryReverseDnsForPublicIpAddress', { id: ip.id })).ipaddress.reversedns;
  assert.deepEqual(listed, [{ ...record, domainname: 'smtp.example.com' }]);

  assert.deepEqual(await env.cs.ok('deleteReverseDnsFromPublicIpAddress', { id: ip.id }), { success: true });
  assert.deepEqual((await env.cs.ok('queryReverseDnsForPublicIpAddress', { id: ip.id })).ipaddress.reversedns, []);
  assert.equal(await ptr(ip.ipaddress), undefined);
});

test("another account's VM or IP is not found, and its records stay as they were", async () => {
  const vm = await dualStackVm();
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'alice.example.com' });
  await env.cs.ok('updateReverseDnsForPublicIpAddress', { id: ip.id, domainname: 'alice-ip.example.com' });
  for (const command of ['queryReverseDnsForVirtualMachine', 'deleteReverseDnsFromVirtualMachine'])
    await fails(bob, command, { id: vm.id }, 431, /not found/i);
  await fails(
    bob,
    'updateReverseDnsForVirtualMachine',
    { id: vm.id, domainname: 'bob.example.com' },
    431,
    /not found/i,
  );
  for (const command of ['queryReverseDnsForPublicIpAddress', 'deleteReverseDnsFromPublicIpAddress'])
    await fails(bob, command, { id: ip.id }, 431, /not found/i);
  await fails(
    bob,
    'updateReverseDnsForPublicIpAddress',
    { id: ip.id, domainname: 'bob.example.com' },
    431,
    /not found/i,
  );
  assert.equal((await ptr(vm.ip4))?.name, 'alice.example.com');
  assert.equal((await ptr(vm.ip6))?.name, 'alice.example.com');
  assert.equal((await ptr(ip.ipaddress))?.name, 'alice-ip.example.com');
  await fails(env.cs, 'queryReverseDnsForVirtualMachine', { id: MISSING }, 431, /not found/i);
  await fails(env.cs, 'queryReverseDnsForPublicIpAddress', { id: MISSING }, 431, /not found/i);
  await fails(env.cs, 'queryReverseDnsForPublicIpAddress', { id: vm.id }, 431, /not found/i);
});

test('domain names must be fully qualified under a real top-level domain; refused ones change nothing', async () => {
  const vm = await dualStackVm();
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'kept.example.com' });
  await env.cs.ok('updateReverseDnsForPublicIpAddress', { id: ip.id, domainname: 'kept-ip.example.com' });
  const bad: Array<[string, RegExp]> = [
    ['nodots', /not a fully qualified domain name/],
    ['foo.notatld', /valid top-level domain/],
    ['example.exo', /valid top-level domain/],
    ['co.uk', /public suffix/],
    ['198.51.100.9', /IP address/],
    ['a_b.example.com', /not a valid domain name/],
    ['-a.example.com', /not a valid domain name/],
    ['a..example.com', /not a valid domain name/],
    ['bücher.example.com', /not a valid domain name/],
    [`${'a'.repeat(64)}.example.com`, /not a valid domain name/],
    [`${'abcdefghi.'.repeat(25)}example.com`, /at most 253/],
    [' ', /must not be empty/],
  ];
  for (const [domainname, re] of bad) {
    await fails(env.cs, 'updateReverseDnsForVirtualMachine', { id: vm.id, domainname }, 431, re);
    await fails(env.cs, 'updateReverseDnsForPublicIpAddress', { id: ip.id, domainname }, 431, re);
  }
  await fails(env.cs, 'updateReverseDnsForVirtualMachine', { id: vm.id }, 431, /missing parameter domainname/);
  await fails(env.cs, 'updateReverseDnsForPublicIpAddress', { id: ip.id }, 431, /missing parameter domainname/);
  await fails(
    env.cs,
    'updateReverseDnsForVirtualMachine',
    { domainname: 'x.example.com' },
    431,
    /missing parameter id/,
  );
  await fails(env.cs, 'queryReverseDnsForVirtualMachine', { id: 'not-a-uuid' }, 431);
  assert.equal((await ptr(vm.ip4))?.name, 'kept.example.com');
  assert.equal((await ptr(vm.ip6))?.name, 'kept.example.com');
  assert.equal((await ptr(ip.ipaddress))?.name, 'kept-ip.example.com');
});

test('a released elastic IP loses its record, through the API and for the DNS server', async () => {
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  const other = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.ok('updateReverseDnsForPublicIpAddress', { id: ip.id, domainname: 'gone.example.com' });
  await env.cs.ok('updateReverseDnsForPublicIpAddress', { id: other.id, domainname: 'stays.example.com' });
  await env.cs.done('disassociateIpAddress', { id: ip.id });
  assert.equal(await ptr(ip.ipaddress), undefined);
  await fails(env.cs, 'queryReverseDnsForPublicIpAddress', { id: ip.id }, 431, /not found/i);
  assert.equal((await ptr(other.ipaddress))?.name, 'stays.example.com', 'only the released address');
});

test('a destroyed VM loses the records of both its addresses; other VMs keep theirs', async () => {
  const vm = await dualStackVm();
  const keep = await dualStackVm();
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'doomed.example.com' });
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: keep.id, domainname: 'alive.example.com' });
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  assert.equal(await ptr(vm.ip4), undefined);
  assert.equal(await ptr(vm.ip6), undefined);
  await fails(env.cs, 'queryReverseDnsForVirtualMachine', { id: vm.id }, 431, /not found/i);
  await fails(env.cs, 'updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'x.example.com' }, 431);
  assert.equal((await ptr(keep.ip4))?.name, 'alive.example.com');
  assert.equal((await ptr(keep.ip6))?.name, 'alive.example.com');
  const rows = await env.rt.store.db.selectFrom('reverse_dns').select('address').execute();
  assert.ok(!rows.some((r) => r.address === vm.ip4 || r.address === vm.ip6), 'no row outlives the addresses');
});

test('a new MAC (through CloudSigma) gives the NIC a new IPv6 address: the old address loses its record, IPv4 keeps its own', async () => {
  const vm = await deployVm(env.cs, c, { startvm: false });
  const ip4 = vm.nic[0].ipaddress;
  const ip6 = (await env.cs.done('activateIp6', { nicid: vm.nic[0].id })).nic.ip6address;
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'remac.example.com' });
  await env.rt.core.credentials.issueTo('password', 'alice', { password: 'alice-sigma-password' });
  const email = (
    await env.rt.store.db.selectFrom('users').select('email').where('username', '=', 'alice').executeTakeFirstOrThrow()
  ).email;
  const sigma = new SigmaClient(env.app, email, 'alice-sigma-password');
  await sigma.post(`/servers/${vm.id}/set`, { 'nic:0:mac': '02:00:00:00:5e:01' });
  const nic = (await env.cs.ok('listNics', { virtualmachineid: vm.id })).nic[0];
  assert.notEqual(nic.ip6address, ip6);
  assert.equal(await ptr(ip6), undefined);
  assert.equal(await ptr(nic.ip6address), undefined);
  assert.equal((await ptr(ip4))?.name, 'remac.example.com');
  const records = (await env.cs.ok('queryReverseDnsForVirtualMachine', { id: vm.id })).virtualmachine.nic[0].reversedns;
  assert.deepEqual(
    records.map((e: any) => [e.ipaddress, e.ip6address]),
    [[ip4, undefined]],
  );
});

test('listApis lists the six synchronous reverse DNS commands with their parameters', async () => {
  const apis = (await env.cs.ok('listApis')).api;
  const byName = new Map(apis.map((a: any) => [a.name, a]));
  const expected: Record<string, string[]> = {
    queryReverseDnsForVirtualMachine: ['id'],
    updateReverseDnsForVirtualMachine: ['id', 'domainname'],
    deleteReverseDnsFromVirtualMachine: ['id'],
    queryReverseDnsForPublicIpAddress: ['id'],
    updateReverseDnsForPublicIpAddress: ['id', 'domainname'],
    deleteReverseDnsFromPublicIpAddress: ['id'],
  };
  for (const [name, params] of Object.entries(expected)) {
    const api: any = byName.get(name);
    assert.ok(api, name);
    assert.equal(api.isasync, false);
    assert.deepEqual(
      api.params.map((p: any) => [p.name, p.required]),
      params.map((p) => [p, true]),
    );
  }
});

test('records travel with a state save and load, and a reset clears them', async () => {
  const vm = await dualStackVm();
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'saved.example.com' });
  const chunks: Buffer[] = [];
  for await (const chunk of await env.rt.core.state.save()) chunks.push(Buffer.from(chunk));
  const target = await startTestEnv(KEY);
  try {
    await target.rt.core.state.load(Readable.from([Buffer.concat(chunks)]));
    assert.deepEqual(await target.rt.core.reverseDns.ptr(vm.ip4), { name: 'saved.example.com', ttl: 3600 });
    assert.equal((await target.rt.core.reverseDns.ptr(vm.ip6))?.name, 'saved.example.com');
    await target.rt.core.state.reset();
    assert.equal(await target.rt.core.reverseDns.ptr(vm.ip4), undefined);
    assert.equal(await target.rt.core.reverseDns.ptr(vm.ip6), undefined);
  } finally {
    await target.close();
  }
  assert.equal((await ptr(vm.ip4))?.name, 'saved.example.com', 'the source keeps its records');
});
