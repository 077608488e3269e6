import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromReverseName, canonicalAddress, reverseName } from '../../src/lib/reverse-name.js';

test('canonicalAddress keeps strict IPv4 and writes IPv6 in RFC 5952 form whatever the input spelling', () => {
  assert.equal(canonicalAddress('198.51.100.7'), '198.51.100.7');
  assert.equal(canonicalAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalAddress('2001:0db8:0000:0000:0417:50ff:fe00:0046'), '2001:db8::417:50ff:fe00:46');
  assert.equal(canonicalAddress('2a04:c45:c00:68f:417:50ff:fe00:46'), '2a04:c45:c00:68f:417:50ff:fe00:46');
  assert.equal(canonicalAddress('::'), '::');
  assert.equal(canonicalAddress('::1'), '::1');
  assert.equal(canonicalAddress('1::'), '1::');
  assert.equal(canonicalAddress('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group stays');
  assert.equal(canonicalAddress('::ffff:192.0.2.1'), '::ffff:c000:201');
  for (const bad of [
    '',
    'x',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    ' 1.2.3.4',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7::8',
    '1:2:3:4:5:6:7',
    '::ffff:1.2.3',
    '2001:db8::1%eth0',
  ])
    assert.equal(canonicalAddress(bad), undefined, bad);
});

test('reverseName and addressFromReverseName go both ways for IPv4', () => {
  assert.equal(reverseName('198.51.100.7'), '7.100.51.198.in-addr.arpa');
  assert.equal(addressFromReverseName('7.100.51.198.in-addr.arpa'), '198.51.100.7');
  assert.equal(addressFromReverseName('7.100.51.198.IN-ADDR.ARPA.'), '198.51.100.7', 'any case, trailing dot');
  assert.equal(addressFromReverseName('0.0.0.0.in-addr.arpa'), '0.0.0.0');
  assert.equal(reverseName('not an address'), undefined);
});

test('reverseName and addressFromReverseName go both ways for IPv6 (32 nibbles)', () => {
  const name = reverseName('2001:db8::417:50ff:fe00:46')!;
  assert.equal(name, '6.4.0.0.0.0.e.f.f.f.0.5.7.1.4.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  assert.equal(addressFromReverseName(name), '2001:db8::417:50ff:fe00:46');
  assert.equal(addressFromReverseName(`${name.toUpperCase()}.`), '2001:db8::417:50ff:fe00:46');
  assert.equal(addressFromReverseName(reverseName('::1')!), '::1');
});

test('addressFromReverseName refuses malformed and partial names', () => {
  const v6 = reverseName('2001:db8::1')!;
  for (const bad of [
    '',
    '.',
    'in-addr.arpa',
    'ip6.arpa',
    '100.51.198.in-addr.arpa',
    '1.7.100.51.198.in-addr.arpa',
    '256.100.51.198.in-addr.arpa',
    '07.100.51.198.in-addr.arpa',
    'x.100.51.198.in-addr.arpa',
    '7..51.198.in-addr.arpa',
    '7.100.51.198.in-addr.arpa.example.com',
    '7.100.51.198.example.com',
    v6.slice(2),
    `0.${v6}`,
    v6.replace(/^1/, 'g'),
    v6.replace(/^1/, '10'),
    v6.replace('ip6.arpa', 'in-addr.arpa'),
    `${'1.'.repeat(200)}in-addr.arpa`,
  ])
    assert.equal(addressFromReverseName(bad), undefined, bad);
});
