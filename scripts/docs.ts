/** Writes the generated dialect reference pages. */
import { writeFileSync } from 'node:fs';
import { coverageMarkdown } from '../src/dialects/cloudstack/coverage.js';

writeFileSync(new URL('../docs/dialects/cloudstack.md', import.meta.url), coverageMarkdown());
