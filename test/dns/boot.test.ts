/** The DNS server as `nube serve` runs it: started by boot on NUBE_DNS_LISTEN, answering the zones a seed file made, stopped with it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { loadConfig } from '../../src/config.js';
import { boot } from '../../src/cli/boot.js';
import { freshDatabase, THROTTLE_OFF } from '../support/runtime.js';
import { dig } from './dig.js';

test('boot starts the DNS server on NUBE_DNS_LISTEN with the seeded domains and stops it with the rest', async () => {
  const db = await freshDatabase();
  const config = loadConfig({
    ...db.env,
    ...THROTTLE_OFF,
    NUBE_LISTEN: '127.0.0.1:0',
    NUBE_DNS_LISTEN: '127.0.0.1:0',
    NUBE_DNS_NAMESERVERS: 'ns-a.example.net,ns-b.example.net',
    NUBE_DNS_CONTACT: 'dns-admin.example.net',
    NUBE_LOG_LEVEL: 'silent',
  });
  const booted = await boot(config, {
    seed: {
      accounts: [
        {
          name: 'carol',
          dns_domains: [
            {
              name: 'seeded.example',
              records: [
                { name: 'www', type: 'A', content: '192.0.2.80', ttl: 120 },
                { name: '', type: 'MX', content: 'mx.seeded.example', priority: 5 },
              ],
            },
          ],
        },
      ],
    },
  });
  const port = booted.dns!.port;
  try {
    assert.deepEqual(booted.seeded, [{ name: 'carol', resources: 3 }]);
    const a = await dig(port, 'www.seeded.example', 'A');
    assert.deepEqual(
      a.answer.map((r) => [r.ttl, r.data]),
      [[120, '192.0.2.80']],
    );
    const ns = await dig(port, 'seeded.example', 'NS', ['+tcp']);
    assert.deepEqual(ns.answer.map((r) => r.data).sort(), ['ns-a.example.net.', 'ns-b.example.net.']);
    const unset = await dig(port, '1.2.0.192.in-addr.arpa', 'PTR');
    assert.equal(
      unset.status,
      'NXDOMAIN',
      'reverse names are answered from reverse DNS (REFUSED if it were not wired)',
    );
    const soa = await dig(port, 'seeded.example', 'SOA');
    assert.match(soa.answer[0]!.data, /^ns-a\.example\.net\. dns-admin\.example\.net\. \d+ /);
  } finally {
    await booted.stop();
  }
  // the port is free again: the server let go of it
  const probe = createSocket('udp4');
  await new Promise<void>((ok, fail) => {
    probe.once('error', fail);
    probe.bind(port, '127.0.0.1', () => ok());
  });
  probe.close();
  await db.drop();
});

test('NUBE_DNS_LISTEN=off starts no DNS server; a bad value is refused naming the setting', async () => {
  assert.equal(loadConfig({ NUBE_DNS_LISTEN: 'off' }).dns.listen, undefined);
  assert.deepEqual(loadConfig({ NUBE_DNS_LISTEN: '[::1]:53' }).dns.listen, { host: '::1', port: 53 });
  assert.throws(() => loadConfig({ NUBE_DNS_LISTEN: 'nowhere' }), /NUBE_DNS_LISTEN must be HOST:PORT or off/);
  assert.throws(() => loadConfig({ NUBE_DNS_LISTEN: '127.0.0.1:70000' }), /NUBE_DNS_LISTEN port out of range/);
});
