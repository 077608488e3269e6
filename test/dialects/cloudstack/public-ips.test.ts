import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { fails, netCatalog, type NetCatalog } from './network-fixtures.js';

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

test('associateIpAddress leases an elastic IP from the zone pool and answers the ipaddress object', async () => {
  const first = await env.cs.ok('associateIpAddress', { zoneid: c.zone.id });
  assert.ok(first.jobid);
  assert.ok(first.id, 'the first answer names the new IP');
  const j = await env.cs.job('associateIpAddress', { zoneid: c.zone.id });
  assert.equal(j.jobstatus, 1);
  assert.equal(j.jobresultcode, 0);
  const ip = j.jobresult.ipaddress;
  assert.match(ip.ipaddress, /^198\.51\.100\.\d+$/);
  assert.equal(ip.zoneid, c.zone.id);
  assert.equal(ip.zonename, c.zone.name);
  assert.equal(ip.iselastic, true);
  assert.equal(ip.issourcenat, false);
  assert.equal(ip.isstaticnat, false);
  assert.equal(ip.state, 'Allocated');
  assert.equal(ip.account, 'alice');
  assert.match(ip.allocated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  assert.deepEqual(ip.tags, []);
  assert.equal(ip.virtualmachineid, undefined);
  assert.equal(ip.healthcheck, undefined);
  const other = await env.cs.done('associateIpAddress', { zoneid: c.zone2.id });
  assert.match(other.ipaddress.ipaddress, /^203\.0\.113\.\d+$/, 'each zone has its own pool');
  const listed = await env.cs.ok('listPublicIpAddresses', { id: ip.id });
  assert.equal(listed.count, 1);
  assert.deepEqual(listed.publicipaddress[0], ip);
});

test('concurrent associations never hand out the same address', async () => {
  const results = await Promise.all(
    [1, 2, 3, 4, 5].map(() => env.cs.done('associateIpAddress', { zoneid: c.zone.id })),
  );
  const addresses = results.map((r) => r.ipaddress.ipaddress);
  assert.equal(new Set(addresses).size, 5);
});

test('associateIpAddress validates the zone and every health check parameter', async () => {
  await fails(env.cs, 'associateIpAddress', {}, 431, /missing parameter zoneid/);
  await fails(env.cs, 'associateIpAddress', { zoneid: '00000000-0000-4000-8000-000000000000' }, 431, /zone/);
  const z = c.zone.id;
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'udp', port: 80 }, 431, /tcp.*http/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'http', port: 80 }, 431, /path/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'tcp' }, 431, /port/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'tcp', port: 0 }, 431, /port/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'tcp', port: 65536 }, 431, /port/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'tcp', port: 22, interval: 4 }, 431, /interval/);
  await fails(
    env.cs,
    'associateIpAddress',
    { zoneid: z, mode: 'tcp', port: 22, interval: 5, timeout: 5 },
    431,
    /timeout/,
  );
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'tcp', port: 22, 'strikes-ok': 0 }, 431, /strikes-ok/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, port: 22 }, 431, /mode/);
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'tcp', port: 'x' }, 431, /port/);
  const before = (await env.cs.ok('listPublicIpAddresses')).count;
  await fails(env.cs, 'associateIpAddress', { zoneid: z, mode: 'http', port: 80, path: 'health' }, 431, /path/);
  assert.equal((await env.cs.ok('listPublicIpAddresses')).count, before, 'a refused association leases nothing');
});

test('a health check gets its defaults and updateIpAddress changes only the given fields', async () => {
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id, mode: 'http', port: 8080, path: '/health' }))
    .ipaddress;
  assert.deepEqual(ip.healthcheck, {
    mode: 'http',
    port: 8080,
    path: '/health',
    interval: 10,
    timeout: 2,
    'strikes-ok': 2,
    'strikes-fail': 3,
  });
  const first = await env.cs.ok('updateIpAddress', { id: ip.id, port: 9090, interval: 20, 'strikes-fail': 5 });
  assert.equal(first.id, ip.id);
  const updated = (await env.cs.done('updateIpAddress', { id: ip.id, timeout: 7 })).ipaddress;
  assert.deepEqual(updated.healthcheck, {
    mode: 'http',
    port: 9090,
    path: '/health',
    interval: 20,
    timeout: 7,
    'strikes-ok': 2,
    'strikes-fail': 5,
  });
  await fails(env.cs, 'updateIpAddress', { id: ip.id, timeout: 30 }, 431, /timeout/);
  const tcp = (await env.cs.done('updateIpAddress', { id: ip.id, mode: 'tcp' })).ipaddress;
  assert.equal(tcp.healthcheck.mode, 'tcp');
  assert.equal(tcp.healthcheck.path, undefined, 'tcp probes have no path');
  assert.equal((await env.cs.ok('listPublicIpAddresses', { id: ip.id })).publicipaddress[0].healthcheck.timeout, 7);
  const plain = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await fails(env.cs, 'updateIpAddress', { id: plain.id, port: 80 }, 431, /mode/);
  await fails(env.cs, 'updateIpAddress', { port: 80 }, 431, /missing parameter id/);
  await fails(
    env.cs,
    'updateIpAddress',
    { id: '00000000-0000-4000-8000-000000000000', mode: 'tcp', port: 1 },
    431,
    /not found/,
  );
});

test('listPublicIpAddresses filters by address, zone, elasticity, keyword and pages with a total count', async () => {
  const a = (await env.cs.done('associateIpAddress', { zoneid: c.zone2.id })).ipaddress;
  const all = await env.cs.ok('listPublicIpAddresses');
  assert.equal(all.count, all.publicipaddress.length);
  assert.ok(all.count >= 3);
  const byAddr = await env.cs.ok('listPublicIpAddresses', { ipaddress: a.ipaddress });
  assert.deepEqual(
    byAddr.publicipaddress.map((x: any) => x.id),
    [a.id],
  );
  const byZone = await env.cs.ok('listPublicIpAddresses', { zoneid: c.zone2.id });
  assert.ok(byZone.publicipaddress.every((x: any) => x.zoneid === c.zone2.id));
  assert.ok(byZone.publicipaddress.some((x: any) => x.id === a.id));
  assert.deepEqual(await env.cs.ok('listPublicIpAddresses', { iselastic: false }), { count: 0, publicipaddress: [] });
  assert.equal((await env.cs.ok('listPublicIpAddresses', { iselastic: true, allocatedonly: true })).count, all.count);
  assert.equal((await env.cs.ok('listPublicIpAddresses', { keyword: '203.0.113' })).count, byZone.count);
  const page = await env.cs.ok('listPublicIpAddresses', { page: 2, pagesize: 2 });
  assert.equal(page.count, all.count);
  assert.deepEqual(
    page.publicipaddress.map((x: any) => x.id),
    all.publicipaddress.slice(2, 4).map((x: any) => x.id),
  );
  await fails(env.cs, 'listPublicIpAddresses', { ipaddress: 'not-an-ip' }, 431);
  await fails(env.cs, 'listPublicIpAddresses', { id: 'nope' }, 431);
});

test('disassociateIpAddress releases the address; the old job still reports what it allocated', async () => {
  const { jobid } = await env.cs.ok('associateIpAddress', { zoneid: c.zone.id });
  const ip = (await env.cs.ok('queryAsyncJobResult', { jobid })).jobresult.ipaddress;
  const res = await env.cs.done('disassociateIpAddress', { id: ip.id });
  assert.deepEqual(res, { success: true });
  assert.deepEqual(await env.cs.ok('listPublicIpAddresses', { id: ip.id }), { count: 0, publicipaddress: [] });
  await fails(env.cs, 'disassociateIpAddress', { id: ip.id }, 431, /not found/);
  const old = await env.cs.ok('queryAsyncJobResult', { jobid });
  assert.equal(old.jobstatus, 1);
  assert.equal(old.jobresult.ipaddress.id, ip.id);
  assert.equal(old.jobresult.ipaddress.ipaddress, ip.ipaddress);
  assert.equal(old.jobresult.ipaddress.zonename, c.zone.name);
  const jobs = await env.cs.ok('listAsyncJobs');
  assert.ok(jobs.asyncjobs.some((j: any) => j.jobid === jobid));
});

test("bob can neither see nor touch alice's IPs", async () => {
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  const seen = await bob.ok('listPublicIpAddresses');
  assert.ok(!seen.publicipaddress.some((x: any) => x.id === ip.id));
  assert.deepEqual(await bob.ok('listPublicIpAddresses', { id: ip.id }), { count: 0, publicipaddress: [] });
  await fails(bob, 'updateIpAddress', { id: ip.id, mode: 'tcp', port: 22 }, 431, /not found/);
  await fails(bob, 'disassociateIpAddress', { id: ip.id }, 431, /not found/);
  await fails(bob, 'listPortForwardingRules', { ipaddressid: ip.id }, 431, /not found/);
  assert.equal((await env.cs.ok('listPublicIpAddresses', { id: ip.id })).count, 1);
});

test('forwarding-rule lists are empty in a basic zone but validate their filters', async () => {
  assert.deepEqual(await env.cs.ok('listPortForwardingRules'), { count: 0, portforwardingrule: [] });
  assert.deepEqual(await env.cs.ok('listIpForwardingRules'), { count: 0, ipforwardingrule: [] });
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  assert.deepEqual(await env.cs.ok('listPortForwardingRules', { ipaddressid: ip.id, page: 1, pagesize: 10 }), {
    count: 0,
    portforwardingrule: [],
  });
  assert.deepEqual(await env.cs.ok('listIpForwardingRules', { ipaddressid: ip.id }), {
    count: 0,
    ipforwardingrule: [],
  });
  await fails(
    env.cs,
    'listIpForwardingRules',
    { virtualmachineid: '00000000-0000-4000-8000-000000000000' },
    431,
    /virtual machine/,
  );
  await fails(env.cs, 'listPortForwardingRules', { ipaddressid: 'x' }, 431);
  await fails(env.cs, 'listPortForwardingRules', { page: 'two' }, 431);
});

test('an exhausted pool refuses with 535 and a released address is handed out again', async () => {
  const mine = (await env.cs.ok('listPublicIpAddresses', { zoneid: c.zone2.id })).count;
  const theirs = (await bob.ok('listPublicIpAddresses', { zoneid: c.zone2.id })).count;
  const free = 253 - mine - theirs;
  let last: any;
  for (let i = 0; i < free; i++) last = (await env.cs.done('associateIpAddress', { zoneid: c.zone2.id })).ipaddress;
  await fails(bob, 'associateIpAddress', { zoneid: c.zone2.id }, 535, /No free IP address/);
  await env.cs.done('disassociateIpAddress', { id: last.id });
  const again = (await bob.done('associateIpAddress', { zoneid: c.zone2.id })).ipaddress;
  assert.equal(again.ipaddress, last.ipaddress);
  assert.equal(again.account, 'bob');
});
