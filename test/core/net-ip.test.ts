import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreError } from '../../src/lib/errors.js';
import {
  intToIpv4,
  ipv4ToInt,
  isIpv4,
  macFromNumber,
  netmaskToPrefix,
  parseCidr,
  prefixToNetmask,
} from '../../src/core/net/ip.js';

const isInvalid = (err: unknown): boolean => err instanceof CoreError && err.kind === 'Invalid';

test('ipv4ToInt and intToIpv4 round-trip', () => {
  assert.equal(ipv4ToInt('0.0.0.0'), 0);
  assert.equal(ipv4ToInt('10.0.0.1'), 0x0a000001);
  assert.equal(ipv4ToInt('255.255.255.255'), 0xffffffff);
  assert.equal(ipv4ToInt('192.168.1.200'), 3232235976);
  for (const ip of ['0.0.0.0', '1.2.3.4', '128.0.0.1', '255.255.255.255', '172.16.254.3']) {
    assert.equal(intToIpv4(ipv4ToInt(ip)), ip);
  }
});

test('ipv4ToInt rejects malformed addresses', () => {
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.04',
    ' 1.2.3.4',
    '1.2.3.4 ',
    'a.b.c.d',
    '1..2.3',
    '-1.2.3.4',
    '::1',
  ]) {
    assert.throws(() => ipv4ToInt(bad), isInvalid, bad);
    assert.equal(isIpv4(bad), false, bad);
  }
  assert.throws(
    () => ipv4ToInt('300.1.1.1', 'ipaddress'),
    (err: unknown) => isInvalid(err) && 'ipaddress' in (err as CoreError).fields,
  );
});

test('isIpv4 accepts strict dotted quads', () => {
  assert.equal(isIpv4('10.1.2.3'), true);
  assert.equal(isIpv4('0.0.0.0'), true);
});

test('intToIpv4 rejects values outside 32 bits', () => {
  for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => intToIpv4(bad), RangeError);
});

test('parseCidr handles IPv4 and normalizes host bits', () => {
  assert.deepEqual(parseCidr('10.0.0.1/24'), {
    version: 4,
    base: '10.0.0.0',
    prefix: 24,
    first: ipv4ToInt('10.0.0.0'),
    last: ipv4ToInt('10.0.0.255'),
  });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { version: 4, base: '0.0.0.0', prefix: 0, first: 0, last: 0xffffffff });
  assert.deepEqual(parseCidr('192.168.5.7/32'), {
    version: 4,
    base: '192.168.5.7',
    prefix: 32,
    first: ipv4ToInt('192.168.5.7'),
    last: ipv4ToInt('192.168.5.7'),
  });
  assert.equal(parseCidr('172.31.255.255/12').base, '172.16.0.0');
});

test('parseCidr handles IPv6 and normalizes the base', () => {
  assert.deepEqual(parseCidr('::/0'), { version: 6, base: '::', prefix: 0 });
  assert.deepEqual(parseCidr('2001:DB8::1/64'), { version: 6, base: '2001:db8::', prefix: 64 });
  assert.equal(parseCidr('2001:0db8:0000:0000:0000:0000:0000:0001/128').base, '2001:db8::1');
  assert.equal(parseCidr('fe80::abcd:1234/10').base, 'fe80::');
  assert.equal(parseCidr('2001:db8:0:0:1:0:0:1/128').base, '2001:db8::1:0:0:1');
  assert.equal(parseCidr('::ffff:10.1.2.3/128').base, '::ffff:a01:203');
  assert.equal(parseCidr('1:2:3:4:5:6:7:8/127').base, '1:2:3:4:5:6:7:8');
  assert.equal(parseCidr('1:2:3:4:5:6:7:9/127').base, '1:2:3:4:5:6:7:8');
});

test('parseCidr rejects malformed CIDRs', () => {
  const bad = [
    '',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/024',
    '10.0.0.0/2a',
    '10.0.0/8',
    '10.0.0.0/8/8',
    '::/129',
    '2001:db8::g/64',
    'fe80::1%eth0/64',
    'not-a-cidr',
    '1:2:3:4:5:6:7:8:9/64',
  ];
  for (const cidr of bad) assert.throws(() => parseCidr(cidr), isInvalid, cidr);
  assert.throws(
    () => parseCidr('x/1', 'cidrlist'),
    (err: unknown) => isInvalid(err) && 'cidrlist' in (err as CoreError).fields,
  );
});

test('netmaskToPrefix and prefixToNetmask are inverses', () => {
  for (let p = 0; p <= 32; p++) assert.equal(netmaskToPrefix(prefixToNetmask(p)), p);
  assert.equal(prefixToNetmask(24), '255.255.255.0');
  assert.equal(prefixToNetmask(0), '0.0.0.0');
  assert.equal(prefixToNetmask(32), '255.255.255.255');
  assert.equal(netmaskToPrefix('255.255.240.0'), 20);
});

test('netmaskToPrefix rejects non-contiguous masks and prefixToNetmask bad lengths', () => {
  for (const bad of ['255.0.255.0', '0.255.255.255', '255.255.255.1', '1.2.3']) {
    assert.throws(() => netmaskToPrefix(bad), isInvalid, bad);
  }
  for (const bad of [-1, 33, 1.5]) assert.throws(() => prefixToNetmask(bad), RangeError);
});

test('macFromNumber yields locally administered unicast addresses', () => {
  assert.equal(macFromNumber(0), '06:00:00:00:00:00');
  assert.equal(macFromNumber(1), '06:00:00:00:00:01');
  assert.equal(macFromNumber(0x1234abcdef), '06:12:34:ab:cd:ef');
  assert.equal(macFromNumber(2 ** 40 - 1), '06:ff:ff:ff:ff:ff');
  const first = parseInt(macFromNumber(42).slice(0, 2), 16);
  assert.equal(first & 0x01, 0, 'unicast');
  assert.equal(first & 0x02, 0x02, 'locally administered');
  for (const bad of [-1, 2 ** 40, 0.5]) assert.throws(() => macFromNumber(bad), RangeError);
});
