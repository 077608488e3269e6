import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle, sourceKey, type ThrottleLimits } from '../../src/core/accounts/throttle.js';
import { CoreError } from '../../src/lib/errors.js';

const LIMITS: ThrottleLimits = {
  perAddress: 6,
  perLogin: 3,
  windowMs: 60_000,
  lockoutMs: 10_000,
  lockoutMaxMs: 40_000,
  tracked: 100,
};

function clocked(limits: Partial<ThrottleLimits> = {}) {
  const clock = { now: 1_000_000 };
  return { clock, t: new AuthThrottle({ ...LIMITS, ...limits }, () => clock.now) };
}

/** The Retry-After seconds of a refused check, or 0 when admitted; allows (the fast paths' question) must agree every time. */
function waitOf(t: AuthThrottle, source: string, login: string): number {
  const allowed = t.allows(source, login);
  try {
    t.check(source, login);
    assert.equal(allowed, true, `allows agrees with check for ${login} from ${source}`);
    return 0;
  } catch (err) {
    assert.ok(err instanceof CoreError && err.kind === 'RateLimited', String(err));
    assert.equal(allowed, false, `allows agrees with check for ${login} from ${source}`);
    return err.retryAfterSec!;
  }
}

test('a login is locked after its limit of failures, whatever the address, and the lockout doubles up to the maximum', () => {
  const { clock, t } = clocked();
  for (let i = 0; i < 3; i++) {
    assert.equal(waitOf(t, `10.0.0.${i}`, 'alice'), 0);
    t.failed(`10.0.0.${i}`, 'alice');
  }
  assert.equal(waitOf(t, '10.0.0.9', 'alice'), 10, 'a fourth address is refused for 10 s');
  assert.equal(waitOf(t, '10.0.0.9', 'bob'), 0, 'other logins are not affected');
  const lockouts: number[] = [];
  for (let round = 0; round < 6; round++) {
    clock.now += waitOf(t, '10.0.0.9', 'alice') * 1000 + 1000;
    assert.equal(waitOf(t, '10.0.0.9', 'alice'), 0, 'admitted again once the lockout is over');
    for (let i = 0; i < 3; i++) t.failed('10.0.0.9', 'alice');
    lockouts.push(waitOf(t, '10.0.0.9', 'alice'));
  }
  assert.deepEqual(lockouts, [20, 40, 40, 40, 40, 40], 'attempts refused during a lockout do not make it start over');
  clock.now += 40_000 + 40_001;
  t.failed('10.0.0.9', 'alice');
  t.failed('10.0.0.9', 'alice');
  t.failed('10.0.0.9', 'alice');
  assert.equal(
    waitOf(t, '10.0.0.9', 'alice'),
    10,
    'after a clean stretch as long as the maximum lockout, it starts over',
  );
});

test('an address is locked after its limit of failures over any logins, unknown ones included', () => {
  const { t } = clocked();
  for (let i = 0; i < 6; i++) t.failed('192.0.2.7', `nobody-${i}@example.com`);
  assert.equal(waitOf(t, '192.0.2.7', 'alice'), 10);
  assert.equal(waitOf(t, '192.0.2.8', 'alice'), 0);
});

test('failures refill over the window: a slow trickle is never locked, and successes are never refused without a lock', () => {
  const { clock, t } = clocked();
  for (let i = 0; i < 50; i++) {
    assert.equal(waitOf(t, '10.1.1.1', 'alice'), 0, `attempt ${i}`);
    t.failed('10.1.1.1', 'alice');
    clock.now += 20_000;
  }
});

test('a locked login still admits an address it signed in from, unless that address is locked itself', () => {
  const { clock, t } = clocked();
  t.succeeded('10.0.0.2', 'alice');
  for (let i = 0; i < 3; i++) t.failed('10.0.0.66', 'alice');
  assert.ok(waitOf(t, '10.0.0.66', 'alice') > 0, 'the attacker is refused');
  assert.ok(waitOf(t, '10.0.0.3', 'alice') > 0, 'an address that never signed in as alice is refused');
  assert.equal(waitOf(t, '10.0.0.2', 'alice'), 0, "alice's own address is admitted");
  for (let i = 0; i < 6; i++) t.failed('10.0.0.2', `x${i}`);
  assert.ok(waitOf(t, '10.0.0.2', 'alice') > 0, 'an address lock applies to everyone behind it');
  clock.now += 31 * 24 * 3600_000;
  for (let i = 0; i < 3; i++) t.failed('10.0.0.66', 'alice');
  assert.ok(waitOf(t, '10.0.0.2', 'alice') > 0, 'trust ends after 30 days');
});

test('memory stays bounded under a spray of random logins and addresses, and locked entries are dropped last', () => {
  const { t } = clocked({ tracked: 100, perAddress: 1000 });
  for (let i = 0; i < 3; i++) t.failed('10.0.0.1', 'alice');
  for (let i = 0; i < 5000; i++) {
    t.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `random-${i}`);
    t.succeeded(`11.0.${(i >> 8) & 255}.${i & 255}`, `user-${i}`);
  }
  const sizes = t.sizes();
  assert.ok(sizes.addresses <= 100 && sizes.logins <= 100 && sizes.trusted <= 100, JSON.stringify(sizes));
  assert.ok(waitOf(t, '10.9.9.9', 'alice') > 0, "alice's lock survived the spray");
});

test('a limit of 0 turns that table off; long logins are held by their hash', () => {
  const { t } = clocked({ perAddress: 0, perLogin: 0 });
  for (let i = 0; i < 100; i++) t.failed('10.0.0.1', 'alice');
  assert.equal(waitOf(t, '10.0.0.1', 'alice'), 0);
  const { t: t2 } = clocked();
  const long = 'x'.repeat(5000);
  for (let i = 0; i < 3; i++) t2.failed('10.0.0.1', long);
  assert.ok(waitOf(t2, '10.0.0.2', long) > 0);
  assert.equal(waitOf(t2, '10.0.0.2', `${long}y`), 0);
});

test('IPv6 sources count per /64 and IPv4-mapped addresses as IPv4', () => {
  assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), sourceKey('2001:db8:1:2:bbbb::2'));
  assert.notEqual(sourceKey('2001:db8:1:2::1'), sourceKey('2001:db8:1:3::1'));
  assert.equal(sourceKey('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(sourceKey('192.0.2.1'), '192.0.2.1');
  const { t } = clocked();
  for (let i = 0; i < 6; i++) t.failed(`2001:db8:1:2::${i + 1}`, `n${i}`);
  assert.ok(waitOf(t, '2001:db8:1:2:ffff:ffff:ffff:ffff', 'alice') > 0);
});
