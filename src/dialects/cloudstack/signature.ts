/** CloudStack request signatures, checked on the server: canonical string, HMAC-SHA1, tolerant variants for libcloud and cs, and expiry. */
import { timingSafeEqual } from 'node:crypto';
import { canonicalString, computeSignature, type CanonicalOptions } from '../../lib/query-signature.js';
import { parseTimestamp } from './params.js';

const VARIANTS: CanonicalOptions[] = [
  { bracketsSafe: false, caseSensitiveSort: false },
  { bracketsSafe: true, caseSensitiveSort: false },
  { bracketsSafe: false, caseSensitiveSort: true },
  { bracketsSafe: true, caseSensitiveSort: true },
];

const MAX_SIGNATURE_LENGTH = 128;

/** How many verified inputs are kept, and the longest input kept (bounds the memo to a few MiB). */
const MEMO_ITEMS = 2048;
const MEMO_KEY_MAX = 2048;

/**
 * Exact inputs (secret, signature, parameters) that verified before, so a signed URL sent again — a poller, a list
 * loop — skips building four canonical strings and their HMACs. The answer is a pure function of those inputs, so a
 * kept one can never be wrong; only successes are kept (a guess is always computed), oldest out first.
 */
const verified = new Set<string>();

/** The memo key: every part length-prefixed, so no two different inputs share one. */
function memoKey(params: Array<[string, string]>, signature: string, secret: string): string | undefined {
  let key = `${secret.length}:${secret}${signature.length}:${signature}`;
  for (const [k, v] of params) {
    key += `${k.length}:${k}${v.length}:${v}`;
    if (key.length > MEMO_KEY_MAX) return undefined;
  }
  return key;
}

/** Accepts a request if any client variant of the canonical string signs to `signature` (constant-time compare); an empty secret never verifies and no input makes it throw. */
export function verifySignature(params: Array<[string, string]>, signature: string, secret: string): boolean {
  try {
    if (typeof signature !== 'string' || typeof secret !== 'string') return false;
    if (secret.length === 0 || signature.length === 0 || signature.length > MAX_SIGNATURE_LENGTH) return false;
    const key = memoKey(params, signature, secret);
    if (key !== undefined && verified.has(key)) return true;
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
    if (ok && key !== undefined) {
      if (verified.size >= MEMO_ITEMS) verified.delete(verified.values().next().value!);
      verified.add(key);
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
