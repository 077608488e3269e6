/**
 * Throttling of failed authentication, per source address and per login (a password login, a CloudStack API key, a CVM
 * public token), so that guessing passwords or signatures is slow whatever the dialect.
 *
 * Rules (also in the README):
 * - Each source address and each login has a budget of failures that refills continuously (a token bucket: `limit`
 *   failures per `windowMs`). The failure that empties it locks that address or login for `lockoutMs`; every further
 *   lockout doubles, up to `lockoutMaxMs`, until the key stays free of failures for `lockoutMaxMs` after its last
 *   lockout ended (then it starts over).
 *   While locked, attempts are refused (RateLimited, with the seconds left) before any credential is checked, so a
 *   flood costs no hashing.
 * - Only presented, wrong credentials count; successes never reset a budget (an attacker holding one valid login
 *   cannot wash an address clean), but nothing refuses a success unless a lock is in force.
 * - A locked login still admits addresses it was used from successfully in the last 30 days (at most 8 per login) when
 *   those addresses are not locked themselves: an attacker who locks a login from elsewhere cannot lock its real user
 *   out of their usual address, and an address that never signed in as that login gets no extra guesses. A user on a
 *   new address waits the lockout out.
 * - Logins are counted whether they exist or not, and the answer is the same, so a lock tells nothing about existence.
 * - IPv6 sources count per /64 (one host usually holds a whole /64); IPv4-mapped IPv6 counts as the IPv4 address.
 * - State is in memory, per process, bounded by `tracked` entries per table (least recently used dropped first,
 *   preferring unlocked ones), so a spray of random logins or addresses cannot grow it without bound.
 * - A limit of 0 disables that table.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { rateLimited } from '../../lib/errors.js';

/** The throttle's settings (src/config.ts `auth`). */
export interface ThrottleLimits {
  /** Failures per window from one source address before it is locked; 0 = no address limit. */
  perAddress: number;
  /** Failures per window for one login before it is locked; 0 = no login limit. */
  perLogin: number;
  windowMs: number;
  lockoutMs: number;
  lockoutMaxMs: number;
  /** Most addresses, logins and trusted logins remembered (each). */
  tracked: number;
}

/** How long a successful sign-in makes its address trusted for that login. */
const TRUST_MS = 30 * 24 * 3600_000;
/** A trusted address is marked again (its expiry and recency moved) at most this often. */
const TRUST_REFRESH_MS = 60_000;
/** Most trusted addresses remembered per login. */
const TRUST_PER_LOGIN = 8;
/** How many of the least recently used entries are looked at for an unlocked one to drop. */
const EVICT_SCAN = 16;

/** One key's failure budget. */
interface Tally {
  tokens: number;
  at: number;
  until: number;
  strikes: number;
  lastFail: number;
}

/** Failure budgets of one kind of key, least recently used first. */
class FailureTable {
  private readonly tallies = new Map<string, Tally>();

  constructor(
    private readonly limit: number,
    private readonly lim: ThrottleLimits,
  ) {}

  /** Milliseconds the key stays locked (0 when it is not). */
  lockedFor(key: string, now: number): number {
    const t = this.tallies.get(key);
    return t && t.until > now ? t.until - now : 0;
  }

  /** Records a failure; it may lock the key. */
  fail(key: string, now: number): void {
    if (this.limit <= 0) return;
    let t = this.tallies.get(key);
    if (t) this.tallies.delete(key);
    else {
      this.makeRoom(now);
      t = { tokens: this.limit, at: now, until: 0, strikes: 0, lastFail: now };
    }
    this.tallies.set(key, t);
    if (now - Math.max(t.lastFail, t.until) > this.lim.lockoutMaxMs) t.strikes = 0;
    t.lastFail = now;
    if (t.until > now) return;
    t.tokens = Math.min(this.limit, t.tokens + ((now - t.at) * this.limit) / this.lim.windowMs) - 1;
    t.at = now;
    if (t.tokens >= 1) return;
    t.until = now + Math.min(this.lim.lockoutMs * 2 ** t.strikes, this.lim.lockoutMaxMs);
    t.strikes = Math.min(t.strikes + 1, 30);
    t.tokens = this.limit;
    t.at = t.until;
  }

  /** Number of keys held (for tests of the bound). */
  get size(): number {
    return this.tallies.size;
  }

  private makeRoom(now: number): void {
    if (this.tallies.size < this.lim.tracked) return;
    let victim: string | undefined;
    let scanned = 0;
    for (const [key, t] of this.tallies) {
      victim ??= key;
      if (t.until <= now) {
        victim = key;
        break;
      }
      if (++scanned >= EVICT_SCAN) break;
    }
    if (victim !== undefined) this.tallies.delete(victim);
  }
}

/** Counts failed authentication per source address and per login and refuses attempts while either is locked. */
export class AuthThrottle {
  private readonly addresses: FailureTable;
  private readonly logins: FailureTable;
  private readonly trusted = new Map<string, Map<string, number>>();

  constructor(
    private readonly lim: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.addresses = new FailureTable(lim.perAddress, lim);
    this.logins = new FailureTable(lim.perLogin, lim);
  }

  /** Throws RateLimited (with the seconds to wait) when the source address, or the login from an address not trusted for it, is locked. */
  check(source: string, login: string): void {
    const wait = this.lockedFor(source, login);
    if (wait > 0) throw refused(wait);
  }

  /** Whether check would let an attempt through now, without throwing: a synchronous fast path leaves refusals to check. */
  allows(source: string, login: string): boolean {
    return this.lockedFor(source, login) === 0;
  }

  /** Records wrong credentials presented for login from source. */
  failed(source: string, login: string): void {
    const now = this.now();
    this.addresses.fail(sourceKey(source), now);
    this.logins.fail(loginKey(login), now);
  }

  /** Records a successful sign-in: its address becomes trusted for that login. */
  succeeded(source: string, login: string): void {
    const key = loginKey(login);
    const src = sourceKey(source);
    const now = this.now();
    let addrs = this.trusted.get(key);
    // Trusted again within the last minute: already among the most recent, nothing to reorder (the hot path of every call).
    const until = addrs?.get(src);
    if (until !== undefined && until - TRUST_MS > now - TRUST_REFRESH_MS) return;
    if (addrs) this.trusted.delete(key);
    else {
      if (this.trusted.size >= this.lim.tracked) this.trusted.delete(this.trusted.keys().next().value!);
      addrs = new Map();
    }
    this.trusted.set(key, addrs);
    addrs.delete(src);
    if (addrs.size >= TRUST_PER_LOGIN) addrs.delete(addrs.keys().next().value!);
    addrs.set(src, now + TRUST_MS);
  }

  /** Checks, runs verify (undefined = wrong credentials) and records the outcome; RateLimited when locked. */
  async attempt<T>(source: string, login: string, verify: () => Promise<T | undefined>): Promise<T | undefined> {
    this.check(source, login);
    const result = await verify();
    if (result === undefined) this.failed(source, login);
    else this.succeeded(source, login);
    return result;
  }

  /** Entries held per table (addresses, logins, trusted logins), for tests of the memory bound. */
  sizes(): { addresses: number; logins: number; trusted: number } {
    return { addresses: this.addresses.size, logins: this.logins.size, trusted: this.trusted.size };
  }

  /** How long an attempt for login from source is refused (0: let through): the address's lock, else the login's unless the address is trusted for it. */
  private lockedFor(source: string, login: string): number {
    const now = this.now();
    const src = sourceKey(source);
    const byAddress = this.addresses.lockedFor(src, now);
    if (byAddress > 0) return byAddress;
    const key = loginKey(login);
    const byLogin = this.logins.lockedFor(key, now);
    return byLogin > 0 && !this.isTrusted(key, src, now) ? byLogin : 0;
  }

  private isTrusted(key: string, src: string, now: number): boolean {
    const until = this.trusted.get(key)?.get(src);
    return until !== undefined && until > now;
  }
}

/** The key a source address is counted under: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64. */
export function sourceKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const text = ip
    .toLowerCase()
    .replace(/%.*$/, '')
    .replace(
      /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
      (_m, a, b, c, d) =>
        `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
    );
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : Math.max(0, 8 - left.length - right.length);
  const groups = [...left, ...Array<string>(zeros).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Long logins are counted by their hash, so a key costs at most a few dozen bytes. */
function loginKey(login: string): string {
  return login.length <= 128 ? login : `#${createHash('sha256').update(login).digest('base64')}`;
}

function refused(ms: number) {
  const sec = Math.max(1, Math.ceil(ms / 1000));
  return rateLimited(
    `Too many failed authentication attempts from this address or for this login; try again in ${sec} s`,
    sec,
  );
}
