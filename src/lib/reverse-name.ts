/**
 * Addresses and their reverse DNS names: the canonical text of an IPv4 or IPv6 address (how PTR records are keyed),
 * and the `in-addr.arpa` / `ip6.arpa` query name of an address and back. Pure: no I/O, no domain words.
 */
import { canonicalIpv6 } from './mac.js';

const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const V4_SUFFIX = 'in-addr.arpa';
const V6_SUFFIX = 'ip6.arpa';

/** The four octets of a strict dotted quad (no leading zeros), or undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address in any textual form (case, zero padding, `::`, embedded IPv4), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let s = text.toLowerCase();
  const tail = s.slice(s.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const o = ipv4Octets(tail);
    if (!o) return undefined;
    s = `${s.slice(0, s.length - tail.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (p: string): string[] | undefined => {
    if (p === '') return [];
    const g = p.split(':');
    return g.every((x) => HEX_GROUP.test(x)) ? g : undefined;
  };
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  return [...head, ...Array<string>(fill).fill('0'), ...rest].map((g) => parseInt(g, 16));
}

/** The canonical text of an address: IPv4 as a strict dotted quad, IPv6 as RFC 5952 (lower case, shortest); undefined when text is neither. */
export function canonicalAddress(text: string): string | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const v4 = ipv4Octets(text);
  if (v4) return v4.join('.');
  const v6 = text.includes(':') ? ipv6Groups(text) : undefined;
  return v6 ? canonicalIpv6(v6) : undefined;
}

/** The reverse query name of an address (no trailing dot): `4.3.2.1.in-addr.arpa`, or 32 nibbles then `ip6.arpa`; undefined when text is no address. */
export function reverseName(text: string): string | undefined {
  const canonical = canonicalAddress(text);
  if (!canonical) return undefined;
  if (!canonical.includes(':')) return `${canonical.split('.').reverse().join('.')}.${V4_SUFFIX}`;
  const nibbles = ipv6Groups(canonical)!
    .map((g) => g.toString(16).padStart(4, '0'))
    .join('')
    .split('');
  return `${nibbles.reverse().join('.')}.${V6_SUFFIX}`;
}

/**
 * The address a reverse query name asks about, in canonical text: a full `d.c.b.a.in-addr.arpa` (four decimal labels)
 * or `<32 hex nibbles>.ip6.arpa`, in any letter case, with or without the trailing dot. Undefined for anything else:
 * other names, partial (delegation-level) names, labels that are not octets or nibbles.
 */
export function addressFromReverseName(name: string): string | undefined {
  if (typeof name !== 'string' || name.length > 80) return undefined;
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  const suffix = labels.slice(-2).join('.');
  const head = labels.slice(0, -2);
  if (suffix === V4_SUFFIX) {
    if (head.length !== 4) return undefined;
    return canonicalAddress(head.reverse().join('.'));
  }
  if (suffix === V6_SUFFIX) {
    if (head.length !== 32 || !head.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = head.reverse().join('');
    const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 4, i * 4 + 4), 16));
    return canonicalIpv6(groups);
  }
  return undefined;
}
