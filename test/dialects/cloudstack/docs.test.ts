import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { coverageMarkdown } from '../../../src/dialects/cloudstack/coverage.js';

test('docs/dialects/cloudstack.md lists every registered command and the error map (run `npm run docs` after changes)', () => {
  const committed = readFileSync(new URL('../../../docs/dialects/cloudstack.md', import.meta.url), 'utf8');
  assert.equal(committed, coverageMarkdown());
});
