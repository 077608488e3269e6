/**
 * Bundles the built CLI (dist/cli/main.js) and its dependencies into dist/bundle/nube.js, so `nube serve` loads one
 * file instead of some thousand modules (process start was mostly module loading). Packages that read their own files
 * beside their code, or are native, stay external and load from node_modules as usual. Modules only reached through
 * `import()` (the outbound HTTP client, for one) go to chunks loaded when first used, and whitespace is left out: a
 * start reads, decodes and parses every byte of the main file (6.3 MB as written, 3.4 MB so).
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: { nube: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // better-sqlite3 is native; Swagger UI serves the files beside its code; pino-pretty is optional. pg is not bundled
  // either: store/pg-lib.ts loads it from node_modules when the store is PostgreSQL.
  external: ['better-sqlite3', '@fastify/swagger-ui', 'pino-pretty'],
  // CommonJS dependencies call require() for Node's own modules, which an ES module has only through createRequire.
  banner: {
    js: "import { createRequire as nubeCreateRequire } from 'node:module';\nconst require = nubeCreateRequire(import.meta.url);",
  },
  legalComments: 'linked',
  logLevel: 'warning',
});
