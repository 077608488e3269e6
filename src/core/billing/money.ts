/** Money as integer micro-units (1 = 0.000001 of a currency unit), with price tables and text conversion. */
import { ConfigError } from '../../config.js';
import { invalid } from '../../lib/errors.js';

/** Micro-units per currency unit. */
export const MICRO = 1_000_000;

/** Currencies an account may hold. */
export const CURRENCIES = ['EUR', 'GBP', 'USD', 'CHF'];

/** Software licences sold by subscription, with their labels. */
export const SOFTWARE: Record<string, string> = {
  msft_lwa_00135: 'Windows Web Server 2008',
  msft_p73_04837: 'Windows Server 2008 Standard',
  msft_tfa_00009: 'Microsoft SQL Server 2008 Web Edition',
};

/**
 * Prices in micro-units. `*:sub` is per unit per month (cpu per GHz, mem and disk per GB, xfer per GB of monthly
 * allowance); `*:burst` is per unit per hour of use beyond subscriptions (xfer:burst per GB); ip, vlan and software per month.
 */
export type PriceTable = Record<string, number>;

const DEFAULT_PRICES: Record<string, string> = {
  'cpu:sub': '7.00',
  'cpu:burst': '0.020',
  'mem:sub': '7.00',
  'mem:burst': '0.020',
  'disk:sub': '0.10',
  'disk:burst': '0.0003',
  'xfer:sub': '0.05',
  'xfer:burst': '0.06',
  ip: '3.00',
  vlan: '5.00',
  msft_lwa_00135: '10.00',
  msft_p73_04837: '20.00',
  msft_tfa_00009: '15.00',
};

/** The price table: defaults overridden by `key=value,...` from NUBE_BILLING_PRICES. */
export function priceTable(overrides: string): PriceTable {
  const out: PriceTable = {};
  for (const [k, v] of Object.entries(DEFAULT_PRICES)) out[k] = parseMoney(v);
  for (const part of overrides
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9_:]+)=([0-9]{1,9}(\.[0-9]{1,6})?)$/.exec(part);
    if (!m || !(m[1]! in DEFAULT_PRICES))
      throw new ConfigError(`NUBE_BILLING_PRICES: expected key=amount with a known key, got "${part}"`);
    out[m[1]!] = parseMoney(m[2]!);
  }
  return out;
}

/** Parses a decimal amount ("12.5", "-3") to micro-units; at most 6 decimals. */
export function parseMoney(text: string, field?: string): number {
  const m = /^(-)?([0-9]{1,12})(?:\.([0-9]{1,6}))?$/.exec(text.trim());
  if (!m) throw invalid(`Expected an amount like 12.50, got ${JSON.stringify(text.slice(0, 40))}`, field);
  const n = Number(m[2]) * MICRO + Number((m[3] ?? '').padEnd(6, '0'));
  return m[1] ? -n : n;
}

/** Formats micro-units with at least `min` decimals (more only when needed). */
export function formatMoney(micro: number, min = 2): string {
  const neg = micro < 0;
  const abs = Math.abs(Math.round(micro));
  let frac = String(abs % MICRO)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (frac.length < min) frac = frac.padEnd(min, '0');
  return `${neg ? '-' : ''}${Math.floor(abs / MICRO)}${frac ? `.${frac}` : ''}`;
}
