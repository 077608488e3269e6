import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreError } from '../../src/lib/errors.js';
import { normalizeFirewallRule, normalizeFirewallRules } from '../../src/core/firewalls/firewall-rules.js';

/** True for an Invalid error naming exactly this field. */
const invalidAt = (field: string) => (err: unknown) =>
  err instanceof CoreError && err.kind === 'Invalid' && Object.keys(err.fields).join() === field;

test('a tcp rule with `port` is a one-port range from anywhere, allowed, numbered by submission', () => {
  const r = normalizeFirewallRule({ direction: 'ingress', protocol: 'TCP', port: 443 }, 2);
  assert.deepEqual(
    [r.protocol, r.startPort, r.endPort, r.action, r.order, r.sources, r.name],
    ['tcp', 443, 443, 'allow', 3, ['0.0.0.0/0', '::/0'], null],
  );
});

test('tcp without ports covers every port; icmp has no ports and any-type/code', () => {
  const all = normalizeFirewallRule({ direction: 'egress', protocol: 'udp' }, 0);
  assert.deepEqual([all.startPort, all.endPort], [1, 65535]);
  const one = normalizeFirewallRule({ direction: 'egress', protocol: 'udp', startPort: 1000 }, 0);
  assert.deepEqual([one.startPort, one.endPort], [1000, 1000], 'a start alone is one port');
  const icmp = normalizeFirewallRule({ direction: 'ingress', protocol: 'icmp' }, 0);
  assert.deepEqual([icmp.startPort, icmp.endPort, icmp.icmpType, icmp.icmpCode], [null, null, -1, -1]);
});

test('sources are kept as sent, bare addresses become single hosts, duplicates go', () => {
  const r = normalizeFirewallRule(
    {
      direction: 'ingress',
      protocol: 'tcp',
      port: 22,
      sources: [' 10.1.2.3/8', '192.0.2.7', '2001:db8::1', '192.0.2.7'],
    },
    0,
  );
  assert.deepEqual(r.sources, ['10.1.2.3/8', '192.0.2.7/32', '2001:db8::1/128']);
  assert.deepEqual(normalizeFirewallRule({ direction: 'ingress', protocol: 'gre', sources: [] }, 0).sources, [
    '0.0.0.0/0',
    '::/0',
  ]);
});

test('refusals name the rule and the field', () => {
  const rule = (extra: Record<string, unknown>) => ({ direction: 'ingress', protocol: 'tcp', ...extra });
  assert.throws(() => normalizeFirewallRules([rule({ port: 1 }), rule({ port: 65536 })]), invalidAt('rules.1.port'));
  assert.throws(() => normalizeFirewallRule(rule({ startPort: 9, endPort: 8 }), 0), invalidAt('rules.0.endPort'));
  assert.throws(() => normalizeFirewallRule(rule({ port: 80, startPort: 81 }), 0), invalidAt('rules.0.port'));
  assert.throws(() => normalizeFirewallRule(rule({ sources: ['10.0.0.0/40'] }), 0), invalidAt('rules.0.sources'));
  assert.throws(() => normalizeFirewallRule(rule({ action: 'reject' }), 0), invalidAt('rules.0.action'));
  assert.throws(() => normalizeFirewallRule(rule({ order: -1 }), 0), invalidAt('rules.0.order'));
  assert.throws(
    () => normalizeFirewallRule({ direction: 'ingress', protocol: 'esp', port: 4500 }, 0),
    invalidAt('rules.0.port'),
  );
  assert.throws(() => normalizeFirewallRule({ direction: 'in', protocol: 'tcp' }, 0), invalidAt('rules.0.direction'));
  assert.throws(
    () => normalizeFirewallRule({ direction: 'ingress', protocol: 'sctp' }, 0),
    invalidAt('rules.0.protocol'),
  );
});
