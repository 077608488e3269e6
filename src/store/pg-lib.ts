/**
 * The pg package, loaded on first use rather than with the program: evaluating it costs ~80 ms of every start (it
 * probes `globalThis.navigator`, which makes Node load its own fetch implementation), wasted when the store is SQLite.
 */
import { createRequire } from 'node:module';
import type pgTypes from 'pg';

let loaded: typeof pgTypes | undefined;

/** pg, with bigint and numeric columns read as numbers (Nube's counts and sizes fit in a double). */
export function pgLib(): typeof pgTypes {
  if (loaded) return loaded;
  const pg = createRequire(import.meta.url)('pg') as typeof pgTypes;
  pg.types.setTypeParser(20, (v) => Number(v));
  pg.types.setTypeParser(1700, (v) => Number(v));
  return (loaded = pg);
}
