/** Opens the store: Kysely over better-sqlite3 (default) or PostgreSQL, with a retrying transaction helper. */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Kysely,
  PostgresDialect,
  sql,
  SqliteDialect,
  type Driver,
  type SqliteDialectConfig,
  type Transaction,
} from 'kysely';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isStalePlan, openPgPool, unavailableAware } from './pg-pool.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer, type CheckpointPace } from './checkpointer.js';
import { nextTurn, TimeSlice } from '../lib/time-slice.js';
import { Gate } from '../lib/gate.js';
import type { DB } from './schema.js';
import { pgDataVersion, sqliteDataVersion, type DataVersionPeek, type DataVersionReader } from './data-versions.js';

/** A transaction or the database itself: repos accept either. */
export type Q = Kysely<DB> | Transaction<DB>;

/** The opened database and what kind it is. */
export interface Store {
  db: Kysely<DB>;
  kind: 'sqlite' | 'postgres';
  /** Runs fn in one transaction; retried on PostgreSQL serialization failures, deadlocks and stale prepared plans. */
  tx<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /**
   * Holds a named lock (or several, taken in name order with one statement) until trx ends, so transactions sharing a
   * PostgreSQL database run that step one at a time (no-op on SQLite: one writer).
   */
  lock(trx: Transaction<DB>, name: string | string[]): Promise<void>;
  /** The committed data version, for caches of reads that must never be stale (see data-versions.ts). */
  dataVersion: DataVersionReader;
  /** The committed data version when it is known without waiting, else undefined (see data-versions.ts). */
  dataVersionNow: DataVersionPeek;
  /** A request begins: later dataVersion() reads reflect every commit made before it arrived (see data-versions.ts). */
  requestBegins(): void;
  close(): Promise<void>;
  /** PostgreSQL only: the pool, for LISTEN/NOTIFY. */
  pool?: pg.Pool;
  /** SQLite only: the database file, for readers that need a connection of their own (snapshot.ts). */
  sqlitePath?: string;
}

/** Store location: a SQLite file path or a postgres:// URL. */
export interface StoreOptions {
  sqlitePath?: string;
  databaseUrl?: string;
  poolSize?: number;
  /** PostgreSQL: give up opening one connection after this long (default 5000 ms). */
  connectTimeoutMs?: number;
  /** PostgreSQL: told when an open connection breaks outside a query (it is replaced on next use). */
  onConnectionError?: (err: Error) => void;
  /** SQLite file: how often the WAL is checkpointed (store/checkpointer.ts; the defaults suit a server). */
  checkpointPace?: Partial<CheckpointPace>;
  /**
   * A transaction opened inside another, and (SQLite) a query on the database object made inside a transaction, fail
   * at once instead of waiting forever for the caller's own transaction or its place in the PostgreSQL pool. Tracking
   * which code runs inside a transaction (AsyncLocalStorage) puts a hook on every promise of the process, ~10% of a
   * cached list's CPU, so it is a development check (tests run with it on both stores), off by default.
   */
  guardTransactions?: boolean;
}

/** PostgreSQL: connections of the pool that transactions leave to lone statements. */
const PG_RESERVED_CONNECTIONS = 2;

/** Opens (creating if needed) the database named by the options. */
export function openStore(opts: StoreOptions): Store {
  if (opts.databaseUrl) {
    const poolSize = opts.poolSize ?? 10;
    const pool = openPgPool({
      databaseUrl: opts.databaseUrl,
      poolSize,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      onConnectionError: opts.onConnectionError,
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: unavailableAware(pool) }) });
    // Transactions hold their connection while this process works between statements; under load they could take
    // every connection, and each lone statement (a list, a sign-in) would wait for a commit. Two are kept for those.
    // No code opens a transaction inside another (it would wait for a place its caller holds): the guard proves it.
    const txGate = new Gate(Math.max(1, poolSize - PG_RESERVED_CONNECTIONS));
    const inTx = opts.guardTransactions ? new AsyncLocalStorage<true>() : undefined;
    const withRetries = async <T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute(fn);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if ((code === '40001' || code === '40P01' || isStalePlan(err)) && attempt < 5) continue;
          throw err;
        }
      }
    };
    const versions = pgDataVersion(db);
    return {
      db,
      kind: 'postgres',
      pool,
      dataVersion: versions.read,
      dataVersionNow: versions.peek,
      requestBegins() {
        /* read on every call: other processes share the database */
      },
      async lock(trx, name) {
        if (typeof name === 'string') {
          await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx);
          return;
        }
        if (name.length === 0) return;
        await sql`select pg_advisory_xact_lock(hashtext(n))
          from (select distinct unnest(${[...name].sort()}::text[]) as n order by 1) as names`.execute(trx);
      },
      async tx(fn) {
        refuseNested(inTx);
        return txGate.run(() => insideTx(inTx, () => withRetries(fn)));
      },
      async close() {
        await db.destroy();
      },
    };
  }
  const file = opts.sqlitePath ?? ':memory:';
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = OFF');
  // Savepoint journals in memory: the group commit's savepoints otherwise spill to a temp file per transaction.
  sqlite.pragma('temp_store = MEMORY');
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(file, opts.checkpointPace);
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const inTx = opts.guardTransactions ? new AsyncLocalStorage<true>() : undefined;
  const version = sqliteDataVersion(sqlite);
  const db = new Kysely<DB>({
    dialect: new GuardedSqliteDialect(
      {
        database: cachedStatements(sqlite, () => {
          version.forget();
          checkpointer?.wrote();
        }),
      },
      inTx,
    ),
  });
  return {
    db,
    kind: 'sqlite',
    sqlitePath: file,
    tx: groupCommit(db, inTx, checkpointer?.writable),
    dataVersion: version.read,
    dataVersionNow: version.peek,
    requestBegins: version.requestBegins,
    async lock() {
      /* one process writes a SQLite store: serve holds the data-dir lock */
    },
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/** The development check (guardTransactions): a transaction opened by code running inside one throws at once. */
function refuseNested(inTx: AsyncLocalStorage<true> | undefined): void {
  if (inTx?.getStore())
    throw new Error(
      'Transaction opened inside another: use the transaction object (it would wait for its caller forever)',
    );
}

/** Runs fn marked as inside a transaction when the guard is on (plainly when it is off). */
function insideTx<T>(inTx: AsyncLocalStorage<true> | undefined, fn: () => Promise<T>): Promise<T> {
  return inTx ? inTx.run(true, fn) : fn();
}

type TxFn = (trx: Transaction<DB>) => Promise<unknown>;

/**
 * Group commit: a batch takes callers for this long, then commits and lets the event loop run. The batch and what its
 * callers do next share one turn: under 64-connection deploys 2 ms gave turns of p99 ~27 ms against ~32 ms for 5 ms, at
 * the same rate (BENCHMARKS.md).
 */
const SLICE_MS = 2;
/** Group commit: most callers in one transaction, whatever the time. */
const MAX_BATCH = 256;

/**
 * SQLite group commit: transactions that queue up while one commits run together in the next transaction, each in
 * its own savepoint (an error rolls back only its own work), and share one COMMIT — the costliest step of a small write.
 * A batch starts one event-loop turn after the first caller (so concurrent callers join it) and takes callers only
 * while its ~2 ms time slice lasts, so the event loop is never held long by a burst of writes. Between batches it
 * holds while the WAL checkpointer asks it to (writable, store/checkpointer.ts).
 */
function groupCommit(
  db: Kysely<DB>,
  inTx: AsyncLocalStorage<true> | undefined,
  writable: () => Promise<void> | undefined = () => undefined,
): Store['tx'] {
  const queue: Array<{ fn: TxFn; resolve(v: unknown): void; reject(e: unknown): void }> = [];
  let draining = false;
  const runBatch = async () => {
    const batch: typeof queue = [];
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    const alone = queue.length === 1;
    const slice = new TimeSlice(SLICE_MS);
    try {
      await db.transaction().execute(async (trx) => {
        while (queue.length > 0 && batch.length < MAX_BATCH && (batch.length === 0 || !slice.spent)) {
          const item = queue.shift()!;
          batch.push(item);
          if (alone) {
            outcomes.push({ ok: true, value: await insideTx(inTx, () => item.fn(trx)) });
            break;
          }
          await sql`savepoint nube_tx`.execute(trx);
          try {
            const value = await insideTx(inTx, () => item.fn(trx));
            await sql`release savepoint nube_tx`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (err) {
            await sql`rollback to savepoint nube_tx`.execute(trx);
            await sql`release savepoint nube_tx`.execute(trx);
            outcomes.push({ ok: false, value: err });
          }
        }
      });
      batch.forEach((item, i) =>
        outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value),
      );
    } catch (err) {
      batch.forEach((item, i) =>
        outcomes[i] && !outcomes[i]!.ok ? item.reject(outcomes[i]!.value) : item.reject(err),
      );
    }
  };
  const drain = async () => {
    draining = true;
    while (queue.length > 0) {
      await nextTurn();
      const held = writable();
      if (held) await held;
      await runBatch();
    }
    draining = false;
  };
  return <T>(fn: (trx: Transaction<DB>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      refuseNested(inTx);
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!draining) void drain();
    });
}

/** True when err is a unique/primary-key violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * SQLite has one connection: a query on the database object made inside a transaction would wait for that
 * transaction forever. This dialect turns that mistake into an immediate error instead of a hang.
 */
class GuardedSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly inTx: AsyncLocalStorage<true> | undefined,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const inTx = this.inTx;
    if (!inTx) return driver;
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => {
      if (inTx.getStore())
        throw new Error(
          'Query on the database inside a transaction: use the transaction object (it would deadlock on SQLite)',
        );
      return acquire();
    };
    return driver;
  }
}

/**
 * better-sqlite3 with a bounded cache of prepared statements (preparing is most of the cost of a small query); before
 * a statement that is not read-only runs (the driver runs what it prepares at once), writing() is told.
 */
function cachedStatements(sqlite: Database.Database, writing: () => void) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string): Database.Statement {
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text);
      } else {
        stmt = sqlite.prepare(text);
        if (cache.size >= 1000) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      if (!stmt.readonly) writing();
      return stmt;
    },
  };
}
