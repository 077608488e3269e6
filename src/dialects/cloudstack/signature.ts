/** CloudStack request signatures, checked on the server: canonical string, HMAC-SHA1, tolerant variants for libcloud and cs, and expiry. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseTimestamp } from './params.js';

/** How one canonical-string variant differs from the default (libcloud/cs disagree on bracket escaping and sort order). */
export interface CanonicalOptions {
  bracketsSafe: boolean;
  caseSensitiveSort: boolean;
}

const VARIANTS: CanonicalOptions[] = [
  { bracketsSafe: false, caseSensitiveSort: false },
  { bracketsSafe: true, caseSensitiveSort: false },
  { bracketsSafe: false, caseSensitiveSort: true },
  { bracketsSafe: true, caseSensitiveSort: true },
];

const MAX_SIGNATURE_LENGTH = 128;

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

/** Signs request parameters the default client way, which verifySignature accepts: for tools that build signed URLs (`nube cloudstack sign`). */
export function signParams(params: Array<[string, string]>, secret: string): string {
  return computeSignature(secret, canonicalString(params, VARIANTS[0]!));
}

/** Accepts a request if any client variant of the canonical string signs to `signature` (constant-time compare); an empty secret never verifies and no input makes it throw. */
export function verifySignature(params: Array<[string, string]>, signature: string, secret: string): boolean {
  try {
    if (typeof signature !== 'string' || typeof secret !== 'string') return false;
    if (secret.length === 0 || signature.length === 0 || signature.length > MAX_SIGNATURE_LENGTH) return false;
    const given = Buffer.from(signature.replace(/ /g, '+'), 'utf8');
    const tried = new Set<string>();
    let ok = false;
    for (const opts of VARIANTS) {
      const canonical = canonicalString(params, opts);
      if (tried.has(canonical)) continue;
      tried.add(canonical);
      const expected = Buffer.from(computeSignature(secret, canonical), 'utf8');
      if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
    }
    return ok;
  } catch {
    return false;
  }
}

/** Enforces `expires` when `signatureversion` is 3 (keys lower-cased), so replayed cs requests are refused with 401 once stale. */
export function checkExpiry(params: Map<string, string>, now: Date): 'ok' | 'expired' | 'invalid' {
  if (params.get('signatureversion') !== '3') return 'ok';
  const expires = params.get('expires');
  if (expires === undefined) return 'invalid';
  const at = parseTimestamp(expires, false);
  if (at === undefined) return 'invalid';
  return at.getTime() < now.getTime() ? 'expired' : 'ok';
}
