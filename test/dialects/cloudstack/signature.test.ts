import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkExpiry, verifySignature } from '../../../src/dialects/cloudstack/signature.js';
import { canonicalString, computeSignature } from '../../../src/lib/query-signature.js';

interface Vector {
  client: string;
  command: string;
  params: Record<string, string>;
  canonical: string;
  signature: string;
  server_algorithm_matches: boolean;
}

const vectorsPath = fileURLToPath(new URL('../../../../shared/conformance/signature_vectors.json', import.meta.url));
const present = existsSync(vectorsPath);
const skip = present ? false : `signature vectors not found at ${vectorsPath}`;
const doc: { secret: string; vectors: Vector[] } = present
  ? JSON.parse(readFileSync(vectorsPath, 'utf8'))
  : { secret: '', vectors: [] };

const DEFAULT = { bracketsSafe: false, caseSensitiveSort: false };

function pairs(params: Record<string, string>): Array<[string, string]> {
  return Object.entries(params);
}

function label(v: Vector): string {
  return `${v.client} ${v.command} ${JSON.stringify(v.params)}`;
}

test('verifySignature accepts every client vector', { skip }, () => {
  assert.ok(doc.vectors.length > 0);
  for (const v of doc.vectors) {
    assert.equal(verifySignature(pairs(v.params), v.signature, doc.secret), true, label(v));
  }
});

test('the libcloud bracket vector needs the brackets-safe variant', { skip }, () => {
  const odd = doc.vectors.filter((v) => !v.server_algorithm_matches);
  assert.ok(odd.length > 0, 'expected at least one vector the default algorithm does not reproduce');
  for (const v of odd) {
    const p = pairs(v.params);
    assert.notEqual(computeSignature(doc.secret, canonicalString(p, DEFAULT)), v.signature);
    assert.equal(canonicalString(p, { bracketsSafe: true, caseSensitiveSort: false }), v.canonical);
    assert.equal(verifySignature(p, v.signature, doc.secret), true, label(v));
  }
});

test('verifySignature rejects each vector with one value changed', { skip }, () => {
  for (const v of doc.vectors) {
    for (const key of Object.keys(v.params)) {
      const changed = { ...v.params, [key]: `${v.params[key]}x` };
      assert.equal(verifySignature(pairs(changed), v.signature, doc.secret), false, `${label(v)} with ${key} changed`);
    }
    assert.equal(verifySignature(pairs(v.params), v.signature, `${doc.secret}x`), false, 'wrong secret');
    assert.equal(verifySignature([...pairs(v.params), ['extra', '1']], v.signature, doc.secret), false, 'extra param');
  }
});

test('canonicalString reproduces the vectors the recommended algorithm matches', { skip }, () => {
  for (const v of doc.vectors.filter((x) => x.server_algorithm_matches)) {
    const canonical = canonicalString(pairs(v.params), DEFAULT);
    assert.equal(canonical, v.canonical, label(v));
    assert.equal(computeSignature(doc.secret, canonical), v.signature, label(v));
  }
});

test('canonicalString encodes like Python quote(v, safe="*")', () => {
  const c = canonicalString([['K', "a b/c+d*e~f!g'h(i)j,k;l=m&n?o:p@q\u00e9[]"]], DEFAULT);
  assert.equal(c, 'k=a%20b%2fc%2bd*e~f%21g%27h%28i%29j%2ck%3bl%3dm%26n%3fo%3ap%40q%c3%a9%5b%5d');
  const b = canonicalString([['K', 'a[1]']], { bracketsSafe: true, caseSensitiveSort: false });
  assert.equal(b, 'k=a[1]');
  assert.equal(canonicalString([['tags[0].Key', 'V']], DEFAULT), 'tags[0].key=v');
  assert.equal(canonicalString([['a', '\u{1F600}']], DEFAULT), 'a=%f0%9f%98%80');
});

test('canonicalString sorts by lower-cased key, or case-sensitively for cs', () => {
  const p: Array<[string, string]> = [
    ['zonea', '1'],
    ['zoneId', '2'],
  ];
  assert.equal(canonicalString(p, DEFAULT), 'zonea=1&zoneid=2');
  assert.equal(canonicalString(p, { bracketsSafe: false, caseSensitiveSort: true }), 'zoneid=2&zonea=1');
});

test('canonicalString ignores a signature pair', () => {
  assert.equal(
    canonicalString(
      [
        ['a', '1'],
        ['signature', 'x'],
        ['Signature', 'y'],
      ],
      DEFAULT,
    ),
    'a=1',
  );
});

test('verifySignature accepts a cs-style case-sensitive order', () => {
  const secret = 'secret';
  const p: Array<[string, string]> = [
    ['command', 'listZones'],
    ['zonea', '1'],
    ['zoneId', '2'],
  ];
  const sig = computeSignature(secret, canonicalString(p, { bracketsSafe: false, caseSensitiveSort: true }));
  assert.notEqual(sig, computeSignature(secret, canonicalString(p, DEFAULT)));
  assert.equal(verifySignature(p, sig, secret), true);
  assert.equal(verifySignature(p, sig.replace(/\+/g, ' '), secret), true, 'a + decoded as space is tolerated');
});

test('verifySignature never throws and rejects junk', () => {
  const p: Array<[string, string]> = [['command', 'listZones']];
  const good = computeSignature('s', canonicalString(p, DEFAULT));
  assert.equal(verifySignature(p, good, 's'), true);
  assert.equal(verifySignature(p, good, ''), false, 'empty secret never verifies');
  const junk: unknown[] = [
    '',
    '!!!',
    '====',
    'a'.repeat(28),
    'a'.repeat(1_000_000),
    '\0',
    '\uD800',
    good.slice(0, -1),
    `${good}=`,
  ];
  for (const s of junk) assert.equal(verifySignature(p, s as string, 's'), false);
  assert.equal(verifySignature(p, undefined as unknown as string, 's'), false);
  assert.equal(verifySignature(p, null as unknown as string, 's'), false);
  assert.equal(verifySignature(null as unknown as Array<[string, string]>, good, 's'), false);
  assert.equal(verifySignature([['a', undefined as unknown as string]], good, 's'), false);
  assert.equal(verifySignature([['a', '\uD800\0'.repeat(100_000)]], good, 's'), false);
  assert.equal(verifySignature([], computeSignature('s', ''), 's'), true);
});

test('a signed request verified once verifies again, and its signature still fails with any other value or secret', () => {
  const params: Array<[string, string]> = [
    ['command', 'listVirtualMachines'],
    ['apikey', 'KEY'],
    ['page', '1'],
    ['pagesize', '20'],
  ];
  const sig = computeSignature('s3cret', canonicalString(params, DEFAULT));
  for (let i = 0; i < 3; i++) assert.equal(verifySignature(params, sig, 's3cret'), true);
  assert.equal(verifySignature(params, sig, 's3cret2'), false, 'another secret');
  assert.equal(verifySignature([...params.slice(0, 3), ['pagesize', '21']], sig, 's3cret'), false, 'another value');
  assert.equal(verifySignature([...params, ['x', '']], sig, 's3cret'), false, 'one more parameter');
  // Length prefixes keep a value's text from standing in for the next key.
  const shifted: Array<[string, string]> = [
    ['command', 'listVirtualMachines'],
    ['apikey', 'KEY'],
    ['page', '1pagesize'],
    ['', '20'],
  ];
  assert.equal(verifySignature(shifted, sig, 's3cret'), false, 'shifted boundaries');
});

test('checkExpiry', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const v3 = (expires?: string) =>
    new Map<string, string>(
      expires === undefined
        ? [['signatureversion', '3']]
        : [
            ['signatureversion', '3'],
            ['expires', expires],
          ],
    );
  assert.equal(checkExpiry(new Map(), now), 'ok');
  assert.equal(
    checkExpiry(new Map([['expires', '2000-01-01T00:00:00+0000']]), now),
    'ok',
    'expires alone is not enforced',
  );
  assert.equal(checkExpiry(v3('2030-01-01T00:00:00+0000'), now), 'ok');
  assert.equal(checkExpiry(v3('2024-05-01T12:00:00Z'), now), 'ok', 'exactly now is not yet past');
  assert.equal(checkExpiry(v3('2024-05-01T11:59:59Z'), now), 'expired');
  assert.equal(checkExpiry(v3('2024-05-01T13:30:00+0200'), now), 'expired', '11:30 UTC');
  assert.equal(checkExpiry(v3('2024-05-01T11:30:00-01:00'), now), 'ok', '12:30 UTC');
  assert.equal(checkExpiry(v3('2024-05-01T12:30:00+00:00'), now), 'ok');
  assert.equal(checkExpiry(v3('2020-01-01T00:00:00+0000'), now), 'expired');
  assert.equal(checkExpiry(v3(), now), 'invalid', 'missing expires');
  for (const bad of [
    '',
    'tomorrow',
    '2030-01-01',
    '2030-01-01T00:00:00',
    '2030-01-01 00:00:00+0000',
    '2030-13-01T00:00:00Z',
    '2030-02-30T00:00:00Z',
    '2030-01-01T24:00:00Z',
    '2030-01-01T00:00:00+2400',
    '2030-01-01T00:00:00.000Z',
    '2030-01-01t00:00:00z',
  ]) {
    assert.equal(checkExpiry(v3(bad), now), 'invalid', bad);
  }
  assert.equal(checkExpiry(v3('2028-02-29T00:00:00Z'), now), 'ok', 'leap day');
});
