/** Start-up wait for PostgreSQL: try, back off, say what is awaited (never the password), give up after a deadline. */
import type { Store } from './db.js';
import { isConnectionLoss } from './pg-pool.js';

/** How long to wait and where to say so. */
export interface WaitOptions {
  /** Total time to keep trying; 0 tries once. */
  waitMs: number;
  /** The database URL, shown without its password. */
  databaseUrl: string;
  /** Told before each pause: what failed and when the next try is. */
  onWait(message: string): void;
}

/** Resolves once the store answers a query; throws a one-line error after waitMs or for errors a wait cannot fix. */
export async function waitForDatabase(store: Store, opts: WaitOptions): Promise<void> {
  if (store.kind !== 'postgres' || !store.pool) return;
  const where = `PostgreSQL at ${redactUrl(opts.databaseUrl)}`;
  const deadline = Date.now() + opts.waitMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 5000)) {
    try {
      await store.pool.query('select 1');
      return;
    } catch (err) {
      const reason = describe(err);
      if (!isConnectionLoss(err)) throw new Error(`${where} refused the connection: ${reason}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${where} is unreachable (${reason}); gave up after ${Math.round(opts.waitMs / 1000)} s (NUBE_DB_WAIT_MS)`,
        );
      }
      const wait = Math.min(pause, left);
      opts.onWait(`Waiting for ${where} (${reason}); next try in ${(wait / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** The URL without its password (or a placeholder when it does not parse). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString();
  } catch {
    return '(DATABASE_URL)';
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = (e.message ?? '').replace(/\s+/g, ' ').trim();
  if (!msg) return e.code ?? String(err);
  return e.code && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
}
