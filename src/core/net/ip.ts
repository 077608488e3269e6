import { isIPv6 } from 'node:net';
import { invalid } from '../../lib/errors.js';
import { canonicalIpv6 } from '../../lib/mac.js';

export { macFromNumber } from '../../lib/mac.js';

/** Result of parsing a CIDR block; `first`/`last` are the IPv4 range bounds as unsigned integers (IPv4 only). */
export interface ParsedCidr {
  version: 4 | 6;
  base: string;
  prefix: number;
  first?: number;
  last?: number;
}

const IPV4_PATTERN = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const PREFIX_PATTERN = /^(0|[1-9]\d{0,2})$/;
const IPV4_MAX = 0xffffffff;
const IPV6_BITS = 128n;
const IPV6_ALL_ONES = (1n << IPV6_BITS) - 1n;

/** Returns the four octets of a strict dotted-quad string, or null when it is not one. */
function ipv4Octets(s: string): number[] | null {
  const m = IPV4_PATTERN.exec(s);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** Converts a strict dotted-quad IPv4 address to an unsigned 32-bit integer, so ranges can be compared numerically. */
export function ipv4ToInt(s: string, field?: string): number {
  const octets = typeof s === 'string' ? ipv4Octets(s) : null;
  if (!octets) throw invalid(`Invalid IPv4 address: ${String(s)}`, field);
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

/** Formats an unsigned 32-bit integer as a dotted-quad IPv4 address; throws RangeError for non-integers or out-of-range values. */
export function intToIpv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > IPV4_MAX) throw new RangeError(`Not an IPv4 integer: ${n}`);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** Tells whether a string is a strict dotted-quad IPv4 address (no leading zeros), for validating user input. */
export function isIpv4(s: string): boolean {
  return typeof s === 'string' && ipv4Octets(s) !== null;
}

/** Parses an IPv6 address (already checked by net.isIPv6, no zone) into a 128-bit integer. */
function ipv6ToBigInt(s: string): bigint {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const trailing = text.slice(lastColon + 1);
  if (trailing.includes('.')) {
    const octets = ipv4Octets(trailing);
    if (!octets) throw new Error('embedded IPv4 is malformed');
    const high = ((octets[0]! << 8) | octets[1]!).toString(16);
    const low = ((octets[2]! << 8) | octets[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error('IPv6 address has more than one "::"');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0) throw new Error('IPv6 address has too many groups');
  const groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    throw new Error('IPv6 address is malformed');
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Formats a 128-bit integer as an RFC 5952 canonical IPv6 address. */
function bigIntToIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  return canonicalIpv6(groups);
}

/** Parses an IPv4 or IPv6 CIDR, accepting host bits (as CloudStack does) and normalizing the base to the network address. */
export function parseCidr(s: string, field?: string): ParsedCidr {
  const bad = () => invalid(`Invalid CIDR: ${String(s)}`, field);
  if (typeof s !== 'string') throw bad();
  const parts = s.trim().split('/');
  if (parts.length !== 2) throw bad();
  const [address, prefixText] = parts as [string, string];
  if (!PREFIX_PATTERN.test(prefixText)) throw bad();
  const prefix = Number(prefixText);

  if (isIpv4(address)) {
    if (prefix > 32) throw bad();
    const mask = prefix === 0 ? 0 : (IPV4_MAX << (32 - prefix)) >>> 0;
    const first = (ipv4ToInt(address) & mask) >>> 0;
    const last = (first | (~mask >>> 0)) >>> 0;
    return { version: 4, base: intToIpv4(first), prefix, first, last };
  }

  if (address.includes('%') || !isIPv6(address) || prefix > 128) throw bad();
  let value: bigint;
  try {
    value = ipv6ToBigInt(address);
  } catch {
    throw bad();
  }
  const hostBits = IPV6_BITS - BigInt(prefix);
  const mask = (IPV6_ALL_ONES >> hostBits) << hostBits;
  return { version: 6, base: bigIntToIpv6(value & mask), prefix };
}

/** Converts a dotted-quad IPv4 netmask to its prefix length; throws invalid when the mask bits are not contiguous. */
export function netmaskToPrefix(mask: string, field?: string): number {
  const value = ipv4ToInt(mask, field);
  const inverted = ~value >>> 0;
  if ((inverted & (inverted + 1)) !== 0) throw invalid(`Invalid netmask: ${mask}`, field);
  return 32 - Math.log2(inverted + 1);
}

/** Converts an IPv4 prefix length (0..32) to a dotted-quad netmask; throws RangeError outside that range. */
export function prefixToNetmask(p: number): string {
  if (!Number.isInteger(p) || p < 0 || p > 32) throw new RangeError(`Not an IPv4 prefix length: ${p}`);
  return intToIpv4(p === 0 ? 0 : (IPV4_MAX << (32 - p)) >>> 0);
}
