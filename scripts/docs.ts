/** Writes the generated documentation: the dialect reference pages and README's configuration table (from CONFIG_VARS). */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { coverageMarkdown } from '../src/dialects/cloudstack/coverage.js';
import { configTable } from '../src/config-vars.js';

writeFileSync(new URL('../docs/dialects/cloudstack.md', import.meta.url), coverageMarkdown());

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const m = /(<!-- config-table:start[^>]*-->\n)[\s\S]*?(\n<!-- config-table:end -->)/.exec(readme);
if (!m) throw new Error('README.md has no <!-- config-table:start --> ... <!-- config-table:end --> markers');
const spliced = readme.replace(m[0], () => `${m[1]}\n${configTable()}\n${m[2]}`);
// Formatted with the project's own prettier settings, so `npm run format:check` agrees with what this writes.
const readmePath = fileURLToPath(readmeUrl);
writeFileSync(readmeUrl, await format(spliced, { ...(await resolveConfig(readmePath)), filepath: readmePath }));
