import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreError } from '../../src/lib/errors.js';
import { normalizeRule } from '../../src/core/firewalls/rules.js';
import type { RuleInput } from '../../src/core/firewalls/rules.js';

/** The neutral field core names for each CloudStack parameter (the message keeps the parameter's word). */
const FIELD_OF: Record<string, string> = {
  startport: 'startPort',
  endport: 'endPort',
  icmptype: 'icmpType',
  icmpcode: 'icmpCode',
  cidrlist: 'cidrs',
  usersecuritygrouplist: 'userGroups',
};

const invalidField =
  (param: string) =>
  (err: unknown): boolean =>
    err instanceof CoreError &&
    err.kind === 'Invalid' &&
    (FIELD_OF[param] ?? param) in err.fields &&
    err.message.includes(param);

test('TCP rule with a single port defaults endport and cidrlist', () => {
  assert.deepEqual(normalizeRule({ protocol: 'TCP', startPort: 22 }), {
    protocol: 'tcp',
    startPort: 22,
    endPort: 22,
    icmpType: null,
    icmpCode: null,
    cidrs: ['0.0.0.0/0'],
    userGroups: [],
    description: null,
  });
});

test('protocol defaults to TCP and accepts numbers', () => {
  assert.equal(normalizeRule({ startPort: 80 }).protocol, 'tcp');
  assert.equal(normalizeRule({ protocol: '', startPort: 80 }).protocol, 'tcp');
  assert.equal(normalizeRule({ protocol: '6', startPort: 80 }).protocol, 'tcp');
  assert.equal(normalizeRule({ protocol: '17', startPort: 53 }).protocol, 'udp');
  assert.equal(normalizeRule({ protocol: '1' }).protocol, 'icmp');
  assert.equal(normalizeRule({ protocol: '58' }).protocol, 'icmpv6');
  for (const p of ['all', 'AH', 'Esp', 'gre', 'ipip'])
    assert.equal(normalizeRule({ protocol: p }).protocol, p.toLowerCase());
});

test('UDP port range, CIDR normalization and user groups', () => {
  const rule = normalizeRule({
    protocol: 'udp',
    startPort: 1000,
    endPort: 2000,
    cidrs: [' 10.0.0.7/8 ', '2001:DB8::1/64', '10.1.2.3/8'],
    userGroups: [{ account: 'admin', group: 'web' }],
    description: 'app traffic',
  });
  assert.equal(rule.startPort, 1000);
  assert.equal(rule.endPort, 2000);
  assert.deepEqual(rule.cidrs, ['10.0.0.0/8', '2001:db8::/64']);
  assert.deepEqual(rule.userGroups, [{ account: 'admin', group: 'web' }]);
  assert.equal(rule.description, 'app traffic');
});

test('user groups alone do not add the default CIDR', () => {
  const rule = normalizeRule({ startPort: 443, userGroups: [{ account: 'a', group: 'g' }] });
  assert.deepEqual(rule.cidrs, []);
  assert.deepEqual(normalizeRule({ startPort: 443, cidrs: [] }).cidrs, ['0.0.0.0/0']);
});

test('ICMP rules default type and code to -1 and keep explicit values', () => {
  const any = normalizeRule({ protocol: 'icmp' });
  assert.equal(any.icmpType, -1);
  assert.equal(any.icmpCode, -1);
  assert.equal(any.startPort, null);
  assert.equal(any.endPort, null);
  const echo = normalizeRule({ protocol: 'ICMPv6', icmpType: 128, icmpCode: 0 });
  assert.equal(echo.protocol, 'icmpv6');
  assert.equal(echo.icmpType, 128);
  assert.equal(echo.icmpCode, 0);
  assert.equal(normalizeRule({ protocol: 'icmp', icmpType: 8 }).icmpCode, -1);
  assert.equal(normalizeRule({ protocol: 'icmp', icmpType: 255, icmpCode: 255 }).icmpType, 255);
});

test('protocols without ports carry no port or ICMP fields', () => {
  const rule = normalizeRule({ protocol: 'all', cidrs: ['192.168.0.0/16'] });
  assert.deepEqual(
    [rule.startPort, rule.endPort, rule.icmpType, rule.icmpCode, rule.cidrs],
    [null, null, null, null, ['192.168.0.0/16']],
  );
});

test('description may be up to 255 characters', () => {
  assert.equal(normalizeRule({ startPort: 1, description: 'd'.repeat(255) }).description?.length, 255);
});

test('invalid rules throw Invalid naming the parameter', () => {
  const cases: Array<[string, RuleInput, string]> = [
    ['unknown protocol', { protocol: 'sctp' }, 'protocol'],
    ['unknown protocol number', { protocol: '132' }, 'protocol'],
    ['tcp without startport', { protocol: 'tcp' }, 'startport'],
    ['startport 0', { startPort: 0 }, 'startport'],
    ['startport too big', { startPort: 65536 }, 'startport'],
    ['startport fractional', { startPort: 22.5 }, 'startport'],
    ['startport NaN', { startPort: Number.NaN }, 'startport'],
    ['endport below startport', { startPort: 100, endPort: 99 }, 'endport'],
    ['endport too big', { startPort: 100, endPort: 70000 }, 'endport'],
    ['icmptype on tcp', { startPort: 22, icmpType: 8 }, 'icmptype'],
    ['icmpcode on udp', { protocol: 'udp', startPort: 53, icmpCode: 0 }, 'icmpcode'],
    ['ports on icmp', { protocol: 'icmp', startPort: 22 }, 'startport'],
    ['endport on icmp', { protocol: 'icmp', endPort: 22 }, 'endport'],
    ['icmptype too big', { protocol: 'icmp', icmpType: 256 }, 'icmptype'],
    ['icmptype too small', { protocol: 'icmp', icmpType: -2 }, 'icmptype'],
    ['icmpcode too big', { protocol: 'icmpv6', icmpType: 1, icmpCode: 300 }, 'icmpcode'],
    ['icmpcode without icmptype', { protocol: 'icmp', icmpCode: 3 }, 'icmpcode'],
    ['ports on all', { protocol: 'all', startPort: 1 }, 'startport'],
    ['icmp on esp', { protocol: 'esp', icmpType: 1 }, 'icmptype'],
    ['bad cidr', { startPort: 22, cidrs: ['10.0.0.0/33'] }, 'cidrlist'],
    ['garbage cidr', { startPort: 22, cidrs: ['0.0.0.0/0', 'nope'] }, 'cidrlist'],
    ['empty cidr', { startPort: 22, cidrs: [''] }, 'cidrlist'],
    ['cidr without prefix', { startPort: 22, cidrs: ['10.0.0.1'] }, 'cidrlist'],
    ['user group without group', { startPort: 22, userGroups: [{ account: 'a', group: '' }] }, 'usersecuritygrouplist'],
    ['description too long', { startPort: 22, description: 'd'.repeat(256) }, 'description'],
  ];
  for (const [name, input, field] of cases) {
    assert.throws(() => normalizeRule(input), invalidField(field), name);
  }
});
