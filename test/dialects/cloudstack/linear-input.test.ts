/** CloudStack request decoding stays linear on hostile input: 1 MiB values of blank runs, digits, commas or brackets decode (or are refused) within a second. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectParams, decodeParams, type ParamSpec } from '../../../src/dialects/cloudstack/params.js';
import { verifySignature } from '../../../src/dialects/cloudstack/signature.js';

const MiB = 1024 * 1024;

function took(f: () => unknown): number {
  const t0 = performance.now();
  try {
    f();
  } catch {
    /* a refusal is an answer too */
  }
  return performance.now() - t0;
}

test('parameter decoding and signature checks take linear time on 1 MiB adversarial values', () => {
  const values: Record<string, string> = {
    blanks: `${' '.repeat(MiB - 1)}x`,
    zeros: `${'0'.repeat(MiB)}x`,
    commas: ','.repeat(MiB),
    blankCommas: ' ,'.repeat(MiB / 2),
    plus: `2024-01-01T00:00:00${'+'.repeat(MiB)}`,
    brackets: '['.repeat(MiB),
    accents: 'é'.repeat(MiB / 2),
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
  for (const [name, value] of Object.entries(values)) {
    const { pairs, lower } = collectParams(
      { command: 'x', v: value, [`tags[${'0'.repeat(1000)}].key`]: value },
      undefined,
    );
    for (const type of types) {
      const ms = took(() =>
        decodeParams(
          'x',
          [
            { name: 'v', type, description: '', max: 2 * MiB },
            { name: 'tags', type: 'map', description: '', max: 2 * MiB },
          ],
          lower,
        ),
      );
      assert.ok(ms < 1000, `${type} of ${name}: ${Math.round(ms)} ms`);
    }
    const ms = took(() => verifySignature(pairs, 'AAAA', 'secret'));
    assert.ok(ms < 1000, `signature over ${name}: ${Math.round(ms)} ms`);
  }
});
