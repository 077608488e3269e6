/** Files shipped beside the code (package.json, scripts/), found from any module layout: src/ under tsx, dist/ after tsc, the one-file bundle. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding Nube's own package.json: the nearest one above this module whose name is `nube`. */
function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'nube') {
      return (root = dir);
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('Nube cannot find its own package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** A path inside the package, e.g. packagePath('scripts', 'build-template.sh'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
