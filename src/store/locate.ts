/** Finds an existing store without creating one: CLI commands other than `serve` act only on the store `serve` set up. */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { pgLib } from './pg-lib.js';
import type { StoreOptions } from './db.js';
import { SETTINGS } from './settings.js';

/** Thrown when the configured store does not exist or was not set up by `nube serve`; the message names the settings. */
class StoreNotFoundError extends Error {}

/** An existing store: how to name it, and the compute driver `serve` last ran with (when recorded). */
export interface FoundStore {
  label: string;
  driver?: string;
}

/** "SQLite store /abs/path/nube.db" or "PostgreSQL store postgres://user@host:port/db" (never with a password). */
export function storeLabel(opts: StoreOptions): string {
  if (!opts.databaseUrl) return `SQLite store ${opts.sqlitePath ?? ':memory:'}`;
  try {
    const u = new URL(opts.databaseUrl);
    u.password = '';
    return `PostgreSQL store ${u.toString()}`;
  } catch {
    return 'PostgreSQL store (DATABASE_URL)';
  }
}

/** Checks that the store exists and holds Nube's schema, without creating anything; StoreNotFoundError otherwise. */
export async function findStore(opts: StoreOptions): Promise<FoundStore> {
  const label = storeLabel(opts);
  const missing = (why: string) =>
    new StoreNotFoundError(
      `${why}: set NUBE_DATA_DIR, DATABASE_URL or NUBE_CONFIG to the store \`nube serve\` uses (only \`nube serve\` creates a store)`,
    );
  if (!opts.databaseUrl) {
    const file = opts.sqlitePath ?? '';
    if (!existsSync(file)) throw missing(`No Nube store at ${file}`);
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const has = (t: string) =>
        db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(t) !== undefined;
      if (!has('nube_migrations')) throw missing(`${file} is not a Nube store`);
      const row = has('settings')
        ? (db.prepare('select value from settings where key = ?').get(SETTINGS.driver) as { value: string } | undefined)
        : undefined;
      return { label, driver: row?.value };
    } finally {
      db.close();
    }
  }
  const client = new (pgLib().Client)({ connectionString: opts.databaseUrl });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000')
      throw missing(`No Nube store: the database of ${label} does not exist`);
    throw new Error(`Cannot reach ${label}: ${(err as Error).message}`);
  }
  try {
    const r = await client.query<{ migrated: boolean; settings: boolean }>(
      "select to_regclass('nube_migrations') is not null as migrated, to_regclass('settings') is not null as settings",
    );
    if (!r.rows[0]?.migrated) throw missing(`${label} holds no Nube store`);
    const d = r.rows[0].settings
      ? await client.query<{ value: string }>('select value from settings where key = $1', [SETTINGS.driver])
      : undefined;
    return { label, driver: d?.rows[0]?.value };
  } finally {
    await client.end().catch(() => undefined);
  }
}
