import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodecError,
  encodeList,
  encodeRecord,
  encodeRecords,
  parseBytes,
  parseList,
  parseRecord,
  parseRecords,
} from '../../src/lib/sigma-text.js';

test('parses key value lines: split at the first space, the value keeps its spaces, the last duplicate wins', () => {
  const r = parseRecord('name Test server\r\nsize 12582912\n\nide:0:0:media  cdrom\nname Again  x\nvnc:password\n');
  assert.deepEqual({ ...r }, { name: 'Again  x', size: '12582912', 'ide:0:0:media': 'cdrom', 'vnc:password': '' });
});

test('encodes records and lists exactly like the seed examples', () => {
  assert.equal(
    encodeRecord({ status: 'active', name: 'Test', size: 4096, gone: undefined, none: null }),
    'status active\nname Test\nsize 4096\n',
  );
  assert.equal(encodeRecords([{ a: 1 }, { b: 'x y' }]), 'a 1\n\nb x y\n');
  assert.equal(encodeList(['u1', 'u2']), 'u1\nu2\n');
  assert.equal(encodeList(['1.2.3.4'], 'ip'), 'ip 1.2.3.4\n');
  assert.deepEqual(parseList('ip 1.2.3.4\nip 5.6.7.8\n'), ['1.2.3.4', '5.6.7.8']);
  assert.deepEqual(
    parseRecords('a 1\nb 2\n\n\nc 3\n').map((x) => ({ ...x })),
    [{ a: '1', b: '2' }, { c: '3' }],
  );
});

test('sizes and offsets take k/M/G/T suffixes in powers of 1024', () => {
  assert.equal(parseBytes('4096'), 4096);
  assert.equal(parseBytes('4k'), 4096);
  assert.equal(parseBytes('50G'), 50 * 1024 ** 3);
  assert.equal(parseBytes('1T'), 1024 ** 4);
  assert.equal(parseBytes('4M'), 4 * 1024 ** 2);
  for (const bad of ['', '-1', '1.5G', '12X', 'G', '1e9', '99999999999999999T'])
    assert.equal(parseBytes(bad), undefined, bad);
});

test('malformed bodies are CodecErrors: bad keys, control characters, too many lines', () => {
  assert.throws(() => parseRecord('na{me x'), CodecError);
  assert.throws(() => parseRecord('name a\u0000b'), CodecError);
  assert.throws(() => parseRecord('a 1\n'.repeat(3000)), CodecError);
  assert.throws(() => parseRecord(`${'k'.repeat(200)} v`), CodecError);
});

/** A tiny deterministic PRNG so fuzz failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('fuzz: records with any printable or newline values survive encode then parse', () => {
  const r = rng(42);
  const alphabet = 'abcXYZ019 :_-.\\\n\r\té€☃';
  const keyChars = 'abcz09:_-.';
  for (let i = 0; i < 2000; i++) {
    const rec: Record<string, string> = {};
    const n = Math.floor(r() * 6);
    for (let j = 0; j < n; j++) {
      let k = '';
      const kl = 1 + Math.floor(r() * 12);
      for (let x = 0; x < kl; x++) k += keyChars[Math.floor(r() * keyChars.length)];
      let v = '';
      const vl = Math.floor(r() * 20);
      for (let x = 0; x < vl; x++) v += alphabet[Math.floor(r() * alphabet.length)];
      rec[k] = v.trim().replace(/\t/g, ' ');
    }
    const back = parseRecord(encodeRecord(rec));
    assert.deepEqual({ ...back }, rec, JSON.stringify(rec));
  }
});

test('fuzz: random bytes either parse or raise CodecError, never anything else', () => {
  const r = rng(7);
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(r() * 200);
    const buf = Buffer.alloc(len);
    for (let x = 0; x < len; x++) buf[x] = r() < 0.2 ? [10, 13, 32, 58][Math.floor(r() * 4)]! : Math.floor(r() * 256);
    try {
      const rec = parseRecord(buf.toString('utf8'));
      for (const [k, v] of Object.entries(rec)) {
        assert.equal(typeof v, 'string');
        assert.match(k, /^[A-Za-z0-9_:.\-]+$/);
      }
    } catch (err) {
      assert.ok(err instanceof CodecError, String(err));
    }
  }
});

/** Milliseconds f takes. */
function took(f: () => unknown): number {
  const t0 = performance.now();
  try {
    f();
  } catch {
    /* refusals count as answers */
  }
  return performance.now() - t0;
}

test('parsing is linear: 1 MiB bodies of long blank runs, long lines or many blank lines parse or are refused within a second', () => {
  const MiB = 1024 * 1024;
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) => `k${i}${' '.repeat(Math.floor(MiB / n) - 12)}v`).join('\n');
  const bodies: Record<string, string> = {
    'blank runs inside 16 lines': lines(16),
    'blank runs inside 17 lines at the line cap': lines(17),
    'one line of blanks then a value': `k${' '.repeat(MiB - 3)}v`,
    'one line of tabs then a value': `k${'\t'.repeat(MiB - 3)}v`,
    'blank lines of blanks': ` \t\n`.repeat(MiB / 3),
    'CR runs': `k v${'\r'.repeat(MiB - 3)}`,
    'blank-separated records': `a 1\n${' '.repeat(MiB / 2)}\nb 2${'\t'.repeat(MiB / 2)}x\n`,
  };
  for (const [name, body] of Object.entries(bodies)) {
    for (const [fn, parse] of [
      ['parseRecord', parseRecord],
      ['parseRecords', parseRecords],
      ['parseList', parseList],
    ] as const) {
      const ms = took(() => parse(body));
      assert.ok(ms < 1000, `${fn} took ${Math.round(ms)} ms on ${name}`);
    }
  }
  assert.equal(parseRecord(lines(16)).k3, 'v', 'blanks between key and value are still dropped');
  assert.throws(() => parseRecord(`k${' '.repeat(MiB - 3)}v`), /line is longer than/);
});
