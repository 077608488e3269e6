/** PTR answers of the DNS server, read from reverse DNS set through the CloudStack API: `dig -x` for IPv4 and IPv6, NXDOMAIN once the name is deleted or the address released. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { DnsServer } from '../../src/dns/server.js';
import { deployVm, netCatalog, type NetCatalog } from '../dialects/cloudstack/network-fixtures.js';
import { dig, TRANSPORTS } from './dig.js';

let env: TestEnv;
let c: NetCatalog;
let server: DnsServer;
before(async () => {
  env = await startTestEnv();
  c = await netCatalog(env.cs);
  server = new DnsServer({
    host: '127.0.0.1',
    port: 0,
    zones: env.rt.core.dns,
    ptr: env.rt.core.reverseDns,
    log: pino({ level: 'silent' }),
  });
  await server.start();
});
after(async () => {
  await server?.stop();
  await env.close();
});

/** dig -x for address over one transport: the status and the PTR targets. */
async function reverse(address: string, extra: string[] = []): Promise<{ status: string; names: string[] }> {
  const r = await dig(server.port, address, 'PTR', [...extra, '-x']);
  return { status: r.status, names: r.answer.filter((a) => a.type === 'PTR').map((a) => a.data) };
}

test('a VM reverse DNS name set through CloudStack is served for its IPv4 and IPv6 addresses until deleted or released', async () => {
  const vm = await deployVm(env.cs, c);
  const nic = (await env.cs.done('activateIp6', { nicid: vm.nic[0].id })).nic;
  const ip4 = nic.ipaddress as string;
  const ip6 = nic.ip6address as string;
  assert.equal((await reverse(ip4)).status, 'NXDOMAIN', 'no PTR before one is set');

  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'web-1.example.com' });
  for (const t of TRANSPORTS) {
    assert.deepEqual(await reverse(ip4, [...t]), { status: 'NOERROR', names: ['web-1.example.com.'] }, t[0]);
    assert.deepEqual(await reverse(ip6, [...t]), { status: 'NOERROR', names: ['web-1.example.com.'] }, t[0]);
  }
  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'web-2.example.com' });
  assert.deepEqual((await reverse(ip4)).names, ['web-2.example.com.'], 'an update is answered by the next query');

  await env.cs.ok('deleteReverseDnsFromVirtualMachine', { id: vm.id });
  assert.equal((await reverse(ip4)).status, 'NXDOMAIN');
  assert.equal((await reverse(ip6)).status, 'NXDOMAIN');

  await env.cs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'web-3.example.com' });
  assert.deepEqual((await reverse(ip4)).names, ['web-3.example.com.']);
  await env.cs.done('destroyVirtualMachine', { id: vm.id, expunge: true });
  assert.equal((await reverse(ip4)).status, 'NXDOMAIN', 'a released address loses its PTR');
  assert.equal((await reverse(ip6)).status, 'NXDOMAIN');
});

test('an elastic IP reverse DNS name is served, and a reverse name that is not a whole address is refused', async () => {
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.ok('updateReverseDnsForPublicIpAddress', { id: ip.id, domainname: 'eip.example.org' });
  assert.deepEqual(await reverse(ip.ipaddress), { status: 'NOERROR', names: ['eip.example.org.'] });
  await env.cs.done('disassociateIpAddress', { id: ip.id });
  assert.equal((await reverse(ip.ipaddress)).status, 'NXDOMAIN');
  assert.equal((await dig(server.port, '2.0.192.in-addr.arpa', 'PTR')).status, 'REFUSED');
});
