import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import pino from 'pino';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { DnsServer } from '../../src/dns/server.js';
import { dig, TRANSPORTS } from './dig.js';

let env: TestEnv;
let server: DnsServer;
let port: number;
const ZONE = 'served.example';

const rec = (p: Record<string, string | number>) => env.cs.ok('createDnsDomainRecord', { name: ZONE, ttl: 300, ...p });

before(async () => {
  env = await startTestEnv();
  server = new DnsServer({ host: '127.0.0.1', port: 0, zones: env.rt.core.dns, log: pino({ level: 'silent' }) });
  await server.start();
  port = server.port;
  await env.cs.ok('createDnsDomain', { name: ZONE });
  await rec({ record_name: 'www', record_type: 'A', content: '192.0.2.10' });
  await rec({ record_name: 'www', record_type: 'AAAA', content: '2001:db8::10' });
  await rec({ record_name: '', record_type: 'MX', content: 'mail.served.example', priority: 10 });
  await rec({ record_name: '', record_type: 'TXT', content: 'v=spf1 -all' });
  await rec({ record_name: '', record_type: 'CAA', content: '0 issue "letsencrypt.org"' });
  await rec({ record_name: '', record_type: 'SPF', content: 'v=spf1 mx -all' });
  await rec({ record_name: '_sip._tcp', record_type: 'SRV', content: '5 5060 sip.served.example', priority: 20 });
  await rec({ record_name: 'host', record_type: 'HINFO', content: '"amd64" "linux"' });
  await rec({ record_name: 'ssh', record_type: 'SSHFP', content: `4 2 ${'ab'.repeat(32)}` });
  await rec({ record_name: 'sip', record_type: 'NAPTR', content: '100 10 "S" "SIP+D2U" "" _sip._udp.served.example' });
  await rec({ record_name: '10', record_type: 'PTR', content: 'www.served.example' });
  await rec({ record_name: 'alias', record_type: 'CNAME', content: 'alias2.served.example' });
  await rec({ record_name: 'alias2', record_type: 'CNAME', content: 'www.served.example' });
  await rec({ record_name: 'out', record_type: 'CNAME', content: 'elsewhere.example.net' });
  await rec({ record_name: '*.wild', record_type: 'A', content: '192.0.2.77' });
  await rec({ record_name: 'deep.empty', record_type: 'A', content: '192.0.2.5' });
  await rec({ record_name: 'sub', record_type: 'NS', content: 'ns.sub.served.example' });
  await rec({ record_name: 'ns.sub', record_type: 'A', content: '192.0.2.53' });
  for (let i = 0; i < 40; i++)
    await rec({ record_name: 'big', record_type: 'TXT', content: `padding text number ${i}` });
});
after(async () => {
  await server.stop();
  await env.close();
});

for (const transport of TRANSPORTS) {
  const via = transport[0];

  test(`${via}: every record type is answered authoritatively`, async () => {
    const cases: Array<[string, string, string[]]> = [
      [`www.${ZONE}`, 'A', ['192.0.2.10']],
      [`www.${ZONE}`, 'AAAA', ['2001:db8::10']],
      [ZONE, 'MX', [`10 mail.${ZONE}.`]],
      [ZONE, 'TXT', ['"v=spf1 -all"']],
      [ZONE, 'CAA', ['0 issue "letsencrypt.org"']],
      [ZONE, 'SPF', ['"v=spf1 mx -all"']],
      [ZONE, 'NS', ['ns1.nube.local.', 'ns2.nube.local.']],
      [`_sip._tcp.${ZONE}`, 'SRV', [`20 5 5060 sip.${ZONE}.`]],
      [`host.${ZONE}`, 'HINFO', ['"amd64" "linux"']],
      [`ssh.${ZONE}`, 'SSHFP', [`4 2 ${'AB'.repeat(32)}`]],
      [`sip.${ZONE}`, 'NAPTR', [`100 10 "S" "SIP+D2U" "" _sip._udp.${ZONE}.`]],
      [`10.${ZONE}`, 'PTR', [`www.${ZONE}.`]],
    ];
    for (const [name, type, want] of cases) {
      const r = await dig(port, name, type, [...transport]);
      assert.equal(r.status, 'NOERROR', `${name} ${type}: ${r.raw}`);
      assert.ok(r.flags.includes('aa'), `${name} ${type} is authoritative`);
      assert.deepEqual(
        r.answer
          .map((a) =>
            type === 'SSHFP'
              ? a.data.replace(/^(\d+ \d+ )(.*)$/, (_, h: string, fp: string) => h + fp.replace(/ /g, ''))
              : a.data,
          )
          .sort(),
        [...want].sort(),
        `${name} ${type}: ${r.raw}`,
      );
      assert.ok(r.answer.every((a) => a.type === type));
    }
    const soa = await dig(port, ZONE, 'SOA', [...transport]);
    assert.match(soa.answer[0]!.data, /^ns1\.nube\.local\. hostmaster\.nube\.local\. \d+ 86400 7200 604800 300$/);
  });

  test(`${via}: NXDOMAIN and NODATA carry the SOA in the authority section`, async () => {
    const nx = await dig(port, `nothing.${ZONE}`, 'A', [...transport]);
    assert.equal(nx.status, 'NXDOMAIN');
    assert.ok(nx.flags.includes('aa'));
    assert.equal(nx.answer.length, 0);
    assert.deepEqual(
      nx.authority.map((a) => [a.name, a.type, a.ttl]),
      [[`${ZONE}.`, 'SOA', 300]],
    );
    const nodata = await dig(port, `www.${ZONE}`, 'MX', [...transport]);
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answer.length, 0);
    assert.deepEqual(
      nodata.authority.map((a) => a.type),
      ['SOA'],
    );
    const ent = await dig(port, `empty.${ZONE}`, 'A', [...transport]);
    assert.equal(ent.status, 'NOERROR', 'an empty non-terminal exists');
    assert.equal(ent.answer.length, 0);
  });

  test(`${via}: CNAME chains are followed inside the zone, not outside`, async () => {
    const r = await dig(port, `alias.${ZONE}`, 'A', [...transport]);
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(
      r.answer.map((a) => [a.name, a.type, a.data]),
      [
        [`alias.${ZONE}.`, 'CNAME', `alias2.${ZONE}.`],
        [`alias2.${ZONE}.`, 'CNAME', `www.${ZONE}.`],
        [`www.${ZONE}.`, 'A', '192.0.2.10'],
      ],
    );
    const out = await dig(port, `out.${ZONE}`, 'A', [...transport]);
    assert.deepEqual(
      out.answer.map((a) => [a.type, a.data]),
      [['CNAME', 'elsewhere.example.net.']],
    );
    const itself = await dig(port, `alias.${ZONE}`, 'CNAME', [...transport]);
    assert.deepEqual(
      itself.answer.map((a) => a.data),
      [`alias2.${ZONE}.`],
    );
  });

  test(`${via}: wildcards answer names below them that do not exist`, async () => {
    const r = await dig(port, `anything.wild.${ZONE}`, 'A', [...transport]);
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(
      r.answer.map((a) => [a.name, a.data]),
      [[`anything.wild.${ZONE}.`, '192.0.2.77']],
    );
    const deeper = await dig(port, `a.b.wild.${ZONE}`, 'A', [...transport]);
    assert.deepEqual(
      deeper.answer.map((a) => a.data),
      ['192.0.2.77'],
    );
    const nodata = await dig(port, `x.wild.${ZONE}`, 'MX', [...transport]);
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answer.length, 0);
  });

  test(`${via}: a delegated name gets a referral with glue; names outside every zone are REFUSED`, async () => {
    const r = await dig(port, `host.sub.${ZONE}`, 'A', [...transport]);
    assert.equal(r.status, 'NOERROR');
    assert.ok(!r.flags.includes('aa'), 'a referral is not authoritative');
    assert.deepEqual(
      r.authority.map((a) => [a.name, a.type, a.data]),
      [[`sub.${ZONE}.`, 'NS', `ns.sub.${ZONE}.`]],
    );
    assert.deepEqual(
      r.additional.filter((a) => a.type === 'A').map((a) => a.data),
      ['192.0.2.53'],
    );
    for (const name of ['example.org', 'org', '4.3.2.1.in-addr.arpa']) {
      const refused = await dig(port, name, 'A', [...transport]);
      assert.equal(refused.status, 'REFUSED', name);
      assert.equal(refused.answer.length, 0);
    }
  });
}

test('over UDP without EDNS an answer larger than 512 bytes is truncated (TC); with EDNS or TCP it is whole', async () => {
  const plain = await dig(port, `big.${ZONE}`, 'TXT', ['+notcp', '+noedns', '+ignore']);
  assert.ok(plain.flags.includes('tc'), plain.raw);
  assert.equal(plain.answer.length, 0);
  const small = await dig(port, `big.${ZONE}`, 'TXT', ['+notcp', '+noedns', '+ignore', '+bufsize=512']);
  assert.ok(small.flags.includes('tc'));
  const edns = await dig(port, `big.${ZONE}`, 'TXT', ['+notcp', '+bufsize=4096']);
  assert.ok(!edns.flags.includes('tc'), edns.raw);
  assert.equal(edns.answer.length, 40);
  const tcp = await dig(port, `big.${ZONE}`, 'TXT', ['+tcp', '+noedns']);
  assert.equal(tcp.answer.length, 40);
  const retried = await dig(port, `big.${ZONE}`, 'TXT', ['+notcp', '+noedns']);
  assert.equal(retried.answer.length, 40, 'dig retries a truncated answer over TCP');
});

test('a change through the API is answered by the next query, and the SOA serial moves', async () => {
  const serial = async () => Number((await dig(port, ZONE, 'SOA')).answer[0]!.data.split(' ')[2]);
  const before = await serial();
  const created = await rec({ record_name: 'fresh', record_type: 'A', content: '192.0.2.200' });
  assert.deepEqual(
    (await dig(port, `fresh.${ZONE}`, 'A')).answer.map((a) => a.data),
    ['192.0.2.200'],
  );
  assert.equal(await serial(), before + 1);
  await env.cs.ok('updateDnsDomainRecord', { name: ZONE, record_id: created.id, content: '192.0.2.201', ttl: 60 });
  const updated = await dig(port, `fresh.${ZONE}`, 'A', ['+tcp']);
  assert.deepEqual(
    updated.answer.map((a) => [a.ttl, a.data]),
    [[60, '192.0.2.201']],
  );
  await env.cs.ok('deleteDnsDomainRecord', { name: ZONE, record_id: created.id });
  assert.equal((await dig(port, `fresh.${ZONE}`, 'A')).status, 'NXDOMAIN');
  assert.equal(await serial(), before + 3);
  await env.cs.ok('createDnsDomain', { name: 'later.example' });
  assert.equal((await dig(port, 'later.example', 'SOA')).status, 'NOERROR');
  await env.cs.ok('deleteDnsDomain', { name: 'later.example' });
  assert.equal((await dig(port, 'later.example', 'SOA')).status, 'REFUSED');
});

test('garbage gets FORMERR over UDP; a TCP client that sends a bad frame or nothing is cut off', async () => {
  const udp = createSocket('udp4');
  const reply = new Promise<Buffer>((ok) => udp.once('message', (m) => ok(m)));
  udp.send(Buffer.from([0x12, 0x34, 0x01, 0x00, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 1, 2, 3]), port, '127.0.0.1');
  const msg = await reply;
  udp.close();
  assert.equal(msg.readUInt16BE(0), 0x1234, 'the id is echoed');
  assert.equal(msg[3]! & 0x0f, 1, 'FORMERR');
  assert.ok(msg[2]! & 0x80, 'a response');
  const closed = (data?: Buffer) =>
    new Promise<void>((ok) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => data && c.write(data));
      c.on('close', () => ok());
      c.on('error', () => undefined);
    });
  await closed(Buffer.from([0xff, 0xff, 1, 2, 3]));
  const idle = new DnsServer({
    host: '127.0.0.1',
    port: 0,
    zones: env.rt.core.dns,
    log: pino({ level: 'silent' }),
    tcpIdleMs: 200,
  });
  await idle.start();
  try {
    await new Promise<void>((ok) => {
      const c = createConnection({ host: '127.0.0.1', port: idle.port });
      c.on('close', () => ok());
    });
  } finally {
    await idle.stop();
  }
});

test('a taken port fails start() with the system error', async () => {
  const taken = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', () => ok()));
  const p = (taken.address() as { port: number }).port;
  const s = new DnsServer({ host: '127.0.0.1', port: p, zones: env.rt.core.dns, log: pino({ level: 'silent' }) });
  await assert.rejects(s.start(), /EADDRINUSE/);
  await new Promise<void>((ok) => taken.close(() => ok()));
});
