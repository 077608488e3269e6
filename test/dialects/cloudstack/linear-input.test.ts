/** CloudStack request decoding stays linear on hostile input: values of blank runs, digits, commas or brackets decode (or are refused) in time that grows with their length, not its square. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectParams, decodeParams, type ParamSpec } from '../../../src/dialects/cloudstack/params.js';
import { verifySignature } from '../../../src/dialects/cloudstack/signature.js';

const MiB = 1024 * 1024;
/** The small input is an eighth of the large one: linear work takes ~8 times as long on the large one, quadratic ~64 times. */
const SCALE = 8;
/** Under this time, the large input is fast whatever the ratio says (small timings are mostly noise). */
const FAST_MS = 250;
/** No single check of a 1 MiB value may take this long, however loaded the machine. */
const CEILING_MS = 10_000;

/** The shortest of three runs of f, in ms (a refusal is an answer too). */
function took(f: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    try {
      f();
    } catch {
      /* refused: still an answer */
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Asserts that work(n) grows linearly: fast at 1 MiB, or at most three times the linear growth from MiB/SCALE to 1 MiB. */
function assertLinear(label: string, work: (n: number) => () => unknown): void {
  const small = took(work(MiB / SCALE));
  const large = took(work(MiB));
  assert.ok(large < CEILING_MS, `${label}: ${Math.round(large)} ms on 1 MiB`);
  if (large < FAST_MS) return;
  const ratio = large / Math.max(small, 1);
  assert.ok(
    ratio < SCALE * 3,
    `${label}: ${Math.round(small)} ms on 128 KiB, ${Math.round(large)} ms on 1 MiB (x${ratio.toFixed(1)})`,
  );
}

test('parameter decoding and signature checks take linear time on 1 MiB adversarial values', () => {
  const values: Record<string, (n: number) => string> = {
    blanks: (n) => `${' '.repeat(n - 1)}x`,
    zeros: (n) => `${'0'.repeat(n)}x`,
    commas: (n) => ','.repeat(n),
    blankCommas: (n) => ' ,'.repeat(n / 2),
    plus: (n) => `2024-01-01T00:00:00${'+'.repeat(n)}`,
    brackets: (n) => '['.repeat(n),
    accents: (n) => 'é'.repeat(n / 2),
  };
  const types: Array<ParamSpec['type']> = [
    'string',
    'uuid',
    'integer',
    'long',
    'boolean',
    'list',
    'uuidlist',
    'date',
    'short',
  ];
  for (const [name, make] of Object.entries(values)) {
    const bySize = new Map<number, ReturnType<typeof collectParams>>();
    const params = (n: number) => {
      if (!bySize.has(n)) {
        const value = make(n);
        bySize.set(n, collectParams({ command: 'x', v: value, [`tags[${'0'.repeat(1000)}].key`]: value }, undefined));
      }
      return bySize.get(n)!;
    };
    for (const type of types) {
      const specs: ParamSpec[] = [
        { name: 'v', type, description: '', max: 2 * MiB },
        { name: 'tags', type: 'map', description: '', max: 2 * MiB },
      ];
      assertLinear(`${type} of ${name}`, (n) => {
        const { lower } = params(n);
        return () => decodeParams('x', specs, lower);
      });
    }
    assertLinear(`signature over ${name}`, (n) => {
      const { pairs } = params(n);
      return () => verifySignature(pairs, 'AAAA', 'secret');
    });
  }
});
