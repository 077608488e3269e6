/**
 * Bundles the built CLI (dist/cli/main.js) and its dependencies into dist/bundle/nube.js, so `nube serve` loads one
 * file instead of some thousand modules (process start was mostly module loading). Packages that read their own files
 * beside their code, or are native, stay external and load from node_modules as usual.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/nube.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // better-sqlite3 is native; pg-native is pg's optional native driver; the two swagger packages read files beside their code.
  external: ['better-sqlite3', 'pg-native', '@fastify/swagger', '@fastify/swagger-ui', 'pino-pretty'],
  // CommonJS dependencies call require() for Node's own modules, which an ES module has only through createRequire.
  banner: {
    js: "import { createRequire as nubeCreateRequire } from 'node:module';\nconst require = nubeCreateRequire(import.meta.url);",
  },
  legalComments: 'linked',
  logLevel: 'warning',
});
