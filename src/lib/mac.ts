/** MAC addresses Nube assigns and the IPv6 address derived from a MAC: pure helpers, so core and migrations derive them alike. */
import { randomInt } from 'node:crypto';
import { invalid } from './errors.js';

/** First octet of every MAC Nube assigns (locally administered, unicast, Exoscale style); users may not choose MACs in it. */
export const NUBE_MAC_PREFIX = '06';

const MAC_MAX = 2 ** 40 - 1;

/** Automatic MACs made from VM serials stay below this number; spare MACs (when a serial's MAC is taken) are drawn above it. */
const SPARE_MAC_MIN = 2 ** 36;

/** Builds a MAC in Nube's range (`06:xx:xx:xx:xx:xx`) from a 40-bit number. */
export function macFromNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAC_MAX) throw new RangeError(`Not a 40-bit MAC number: ${n}`);
  const hex = n.toString(16).padStart(10, '0');
  return [NUBE_MAC_PREFIX, ...(hex.match(/../g) ?? [])].join(':');
}

/** A random MAC in the spare part of Nube's range, where no VM serial's MAC falls. */
export function spareMac(): string {
  return macFromNumber(randomInt(SPARE_MAC_MIN, MAC_MAX + 1));
}

/** Formats eight 16-bit groups as an RFC 5952 canonical IPv6 address (longest run of two or more zero groups as `::`). */
export function canonicalIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * The IPv6 address of a NIC: the zone's /64 is 2001:db8:<first 16 bits of the zone id>::/64 (documentation space,
 * stable per zone without extra state) and the interface id is the modified EUI-64 of the MAC, as SLAAC would derive it;
 * so NICs with different MACs never share an address.
 */
export function ip6FromMac(zoneId: string, mac: string): string {
  const zone = parseInt(zoneId.replace(/-/g, '').slice(0, 4), 16);
  const b = mac.split(':').map((h) => parseInt(h, 16));
  if (b.length !== 6 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 255) || !Number.isInteger(zone)) {
    throw invalid(`Cannot derive an IPv6 address from MAC ${mac}`, 'nicid');
  }
  return canonicalIpv6([
    0x2001,
    0xdb8,
    zone,
    0,
    ((b[0]! ^ 0x02) << 8) | b[1]!,
    (b[2]! << 8) | 0xff,
    (0xfe << 8) | b[3]!,
    (b[4]! << 8) | b[5]!,
  ]);
}
