/** Query signing as CloudStack clients do it (canonical string, HMAC-SHA1): shared by the dialect, which verifies, and the CLI, which signs. */
import { createHmac } from 'node:crypto';

/** How one canonical-string variant differs from the default (libcloud/cs disagree on bracket escaping and sort order). */
export interface CanonicalOptions {
  bracketsSafe: boolean;
  caseSensitiveSort: boolean;
}

/** The canonical form clients use by default (the first variant the dialect tries). */
const DEFAULT_VARIANT: CanonicalOptions = { bracketsSafe: false, caseSensitiveSort: false };

function byteTable(extraSafe: string): string[] {
  const safe = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~*${extraSafe}`;
  const table: string[] = [];
  for (let b = 0; b < 256; b++) {
    const ch = String.fromCharCode(b);
    table.push(b < 128 && safe.includes(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  return table;
}

const QUOTE = byteTable('');
const QUOTE_BRACKETS = byteTable('[]');

function quote(value: string, table: string[]): string {
  const bytes = Buffer.from(value, 'utf8');
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = table[bytes[i]];
  return parts.join('');
}

function codeUnitRank(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Builds the lower-cased `k=quote(v)` string CloudStack clients sign (Python `quote(v, safe="*")`, optionally `[]` raw and/or cs's case-sensitive key order); any `signature` pair is skipped. */
export function canonicalString(params: Array<[string, string]>, opts: CanonicalOptions): string {
  const table = opts.bracketsSafe ? QUOTE_BRACKETS : QUOTE;
  const entries = params
    .filter(([key]) => key.toLowerCase() !== 'signature')
    .map(([key, value]) => ({
      sortKey: opts.caseSensitiveSort ? key : key.toLowerCase(),
      key: key.toLowerCase(),
      value,
    }));
  entries.sort((a, b) => compareCodePoints(a.sortKey, b.sortKey));
  return entries
    .map((e) => `${e.key}=${quote(e.value, table)}`)
    .join('&')
    .toLowerCase();
}

/** Signs a canonical string the CloudStack way: base64 of HMAC-SHA1 keyed with the UTF-8 secret. */
export function computeSignature(secret: string, canonical: string): string {
  return createHmac('sha1', secret).update(canonical, 'utf8').digest('base64');
}

/** Signs request parameters the default client way, which the dialect accepts: for tools that build signed URLs (`nube cloudstack sign`). */
export function signParams(params: Array<[string, string]>, secret: string): string {
  return computeSignature(secret, canonicalString(params, DEFAULT_VARIANT));
}
