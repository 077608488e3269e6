/** A network's link and naming settings (VLAN, NIC tag, MTU, resolvers, DNS domain, alias), stored as JSON on its row. */
import type { NetworkRow } from '../../store/schema.js';
import { invalid } from '../../lib/errors.js';
import { isIpv4 } from '../net/ip.js';

const TEXT_MAX = 255;

/** A network's link and naming settings, shown by dialects that expose them (Danube). */
export interface NetworkSettings {
  vlanId: number;
  nicTag: string;
  mtu: number | null;
  resolvers: string[];
  dnsDomain: string;
  alias: string;
}

/** The settings of a network row, with defaults for what it never set. */
export function networkSettings(r: Pick<NetworkRow, 'name' | 'gateway' | 'settings'>): NetworkSettings {
  let s: Partial<NetworkSettings> = {};
  try {
    s = r.settings ? (JSON.parse(r.settings) as Partial<NetworkSettings>) : {};
  } catch {
    s = {};
  }
  return {
    vlanId: s.vlanId ?? 0,
    nicTag: s.nicTag ?? 'admin',
    mtu: s.mtu ?? null,
    resolvers: s.resolvers ?? (r.gateway ? [r.gateway] : []),
    dnsDomain: s.dnsDomain ?? '',
    alias: s.alias ?? r.name,
  };
}

/** Checks settings given by a caller; Invalid names the first bad one. */
export function checkSettings(s: Partial<NetworkSettings>): void {
  if (s.vlanId !== undefined && (!Number.isSafeInteger(s.vlanId) || s.vlanId < 0 || s.vlanId > 4096))
    throw invalid('vlan_id must be a whole number from 0 to 4096', 'vlanId');
  if (s.mtu !== undefined && s.mtu !== null && (!Number.isSafeInteger(s.mtu) || s.mtu < 576 || s.mtu > 9000))
    throw invalid('mtu must be a whole number from 576 to 9000', 'mtu');
  for (const r of s.resolvers ?? []) if (!isIpv4(r)) throw invalid(`resolver ${r} is not an IPv4 address`, 'resolvers');
  for (const [f, v] of [
    ['nicTag', s.nicTag],
    ['dnsDomain', s.dnsDomain],
    ['alias', s.alias],
  ] as const)
    if (v !== undefined && v.length > TEXT_MAX) throw invalid(`${f} must be at most ${TEXT_MAX} characters`, f);
}
