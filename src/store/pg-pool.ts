/**
 * The PostgreSQL connection pool: bounded connect time, TCP keepalive, an error handler on the pool and on every
 * client (a dropped connection must never crash the process), and a view of the pool for Kysely that turns a lost
 * or refused connection into the store's DatabaseUnavailable error, so no dialect needs to know about pg.
 */
import type pg from 'pg';
import { pgLib } from './pg-lib.js';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { DatabaseUnavailable } from '../lib/errors.js';

/** How the pool connects and whom it tells about connections that broke outside a query. */
export interface PgPoolOptions {
  databaseUrl: string;
  poolSize: number;
  /** Give up opening one connection after this long (0 = the OS decides). */
  connectTimeoutMs: number;
  /** Told about errors of idle or checked-out connections (the connection is dropped and replaced). */
  onConnectionError?: (err: Error) => void;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
/** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const LOST_MESSAGES =
  /^(Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection refused)/;

/** True when err says the database connection is gone or cannot be made (not a query's own failure). */
export function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')))
    return true;
  if (err instanceof AggregateError && err.errors.some(isConnectionLoss)) return true;
  return LOST_MESSAGES.test(err.message);
}

/** err as the store reports it: DatabaseUnavailable for a connection loss, unchanged otherwise. */
export function storeError(err: unknown): unknown {
  return isConnectionLoss(err) ? new DatabaseUnavailable() : err;
}

/** Opens the pool; every client gets a permanent error listener before anyone can use it. */
export function openPgPool(opts: PgPoolOptions): pg.Pool {
  const connectTimeoutMs = opts.connectTimeoutMs;
  const lib = pgLib();
  // The timeout goes on each client only: on the pool it would also limit the wait for a free connection under load.
  class TimedClient extends lib.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  const pool = new lib.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolSize,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // The control plane's tables are small and read from memory: at PostgreSQL's default (4, for spinning disks) a
    // batch's `vm_id in (64 ids)` read every one of 5,000 volumes (~1 ms, ~3-4 ms under load) instead of its index.
    options: '-c random_page_cost=1.1',
    Client: TimedClient as unknown as typeof pg.Client,
  });
  // Each client reports its own error once; the pool repeats those of idle clients, so its copy is dropped.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.onConnectionError?.(err));
  });
  return pool;
}

/** Most statement texts given a name (each connection keeps a plan per name): later ones run unnamed. */
const MAX_NAMED = 500;
/** Statements with more values (the `in (...)` lists of batches, a text per length) run unnamed. */
const MAX_NAMED_VALUES = 32;
const names = new Map<string, string>();
let nameCount = 0;

/**
 * A parameterised statement becomes a named one, so each connection has PostgreSQL parse and plan it once instead of
 * on every call; pg prepares it on first use. Measured during 5,000 deploys: PostgreSQL's CPU per VM 8.2-9.1 ms named
 * against 10.7-10.9 ms unnamed.
 */
function named(args: unknown[]): unknown[] {
  const [text, values] = args;
  if (typeof text !== 'string' || !Array.isArray(values)) return args;
  if (values.length === 0 || values.length > MAX_NAMED_VALUES) return args;
  let name = names.get(text);
  if (!name) {
    if (names.size >= MAX_NAMED) return args;
    name = `nube_${nameCount++}`;
    names.set(text, name);
  }
  return [{ name, text, values }, ...args.slice(2)];
}

/**
 * A named statement whose result columns changed since it was prepared (a migration, in this process or another,
 * added a column to a `select *`'s table): its text gets a new name. A lone statement is then run again at once; a
 * transaction cannot go on after the refusal, so the store's transaction helper runs it again (db.ts).
 */
export function isStalePlan(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '0A000' && /cached plan/.test((err as Error).message);
}

/** The pool as Kysely sees it: connection losses while connecting or querying become DatabaseUnavailable. */
export function unavailableAware(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw storeError(err);
      }
      let view = wrapped.get(client);
      if (!view) {
        const c = client;
        let broken = false;
        // Between Kysely's `begin` and its `commit` or `rollback`, a refused statement has ended the transaction's use.
        let inTransaction = false;
        const run = (args: unknown[]) => (c.query as (...a: unknown[]) => unknown).apply(c, named(args));
        view = {
          query(...args: unknown[]) {
            const text = args[0];
            if (typeof text === 'string') {
              if (/^(begin|start transaction)\b/i.test(text)) inTransaction = true;
              else if (/^(commit|rollback)$/i.test(text)) inTransaction = false;
            }
            const out = run(args);
            if (!(out instanceof Promise)) return out;
            const settle = (p: Promise<unknown>, again: boolean): Promise<unknown> =>
              p.catch((err: unknown) => {
                if (isStalePlan(err) && typeof text === 'string') {
                  names.delete(text);
                  if (again && !inTransaction) return settle(run(args) as Promise<unknown>, false);
                }
                const mapped = storeError(err);
                if (mapped instanceof DatabaseUnavailable) broken = true;
                throw mapped;
              });
            return settle(out, true);
          },
          // A connection that lost its server leaves the pool instead of waiting there for its error event.
          release: () => c.release(broken ? new Error('connection lost') : undefined),
        } as PostgresPoolClient;
        wrapped.set(client, view);
      }
      return view;
    },
    end: () => pool.end(),
  };
}
