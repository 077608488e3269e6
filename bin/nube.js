#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The one-file bundle loads fastest; the plain tsc output serves when the bundle was not made.
const built = [join(root, 'dist', 'bundle', 'nube.js'), join(root, 'dist', 'cli', 'main.js')].find((f) =>
  existsSync(f),
);
if (!built) {
  process.stderr.write('nube is not built yet: run `npm install` (or `npm run build`) in ' + root + '\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(built).href);
await main(process.argv);
