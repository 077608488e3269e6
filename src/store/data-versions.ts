/**
 * The data version: one number the database bumps, in the same transaction, whenever a row that a cached read
 * depends on changes, so a cache keyed by it can never serve an answer older than the last commit.
 */
import { sql, type Kysely } from 'kysely';
import type Database from 'better-sqlite3';
import type { DB } from './schema.js';

/**
 * The tables whose changes end cached reads, by the migration that began versioning them (each migration creates the
 * triggers of its own list, so a database migrated earlier gets the later tables' triggers too): what a VM list reads
 * (VMs and all they are shown with), then what the REST list shows besides (SSH key and object numbers) and what
 * credential lookups read (core/credentials/memo.ts), then the restrictions of IAM API keys (read with them), then what
 * CloudSigma's and CVM's lists show besides (server settings, drive media, traffic).
 */
export const VERSIONED_SINCE = {
  '0025': [
    'accounts',
    'affinity_groups',
    'counters',
    'disk_offerings',
    'networks',
    'nic_secondary_ips',
    'nics',
    'os_types',
    'security_groups',
    'service_offerings',
    'tags',
    'templates',
    'vm_affinity_groups',
    'vm_security_groups',
    'vms',
    'volumes',
    'zones',
  ],
  '0029': ['aliases', 'api_tokens', 'credentials', 'ssh_keys', 'users'],
  '0031': ['iam_api_keys'],
  '0034': ['vm_extras', 'vm_traffic', 'volume_extras'],
} as const;

const SCOPE = '*';

/**
 * Which version a cache follows: '*' moves with every versioned table; 'identity' only with the rows that say who a
 * caller is and what an object is numbered (credential lookups, aliases), so those stay cached while VMs are written.
 */
export type VersionScope = '*' | 'identity';

/** The tables the 'identity' scope follows (since migration 0036): everything credential lookups and aliases read. */
export const IDENTITY_TABLES = ['accounts', 'users', 'credentials', 'api_tokens', 'iam_api_keys', 'aliases'] as const;

/** The names of one scope's triggers, PostgreSQL function and transaction settings (the '*' scope keeps its original names). */
function scopeNames(scope: VersionScope): { trigger: string; fn: string; setting: string; queued: string } {
  if (scope === '*')
    return {
      trigger: 'data_version',
      fn: 'nube_bump_data_version',
      setting: 'nube.data_version_tx',
      queued: 'nube.data_version_queued',
    };
  return {
    trigger: `data_version_${scope}`,
    fn: `nube_bump_${scope}_version`,
    setting: `nube.${scope}_version_tx`,
    queued: `nube.${scope}_version_queued`,
  };
}

/** SQLite: row triggers that bump the scope's version in the writing statement's own transaction. */
function sqliteTriggers(table: string, scope: VersionScope): string[] {
  return (['insert', 'update', 'delete'] as const).map(
    (op) =>
      `create trigger if not exists ${scopeNames(scope).trigger}_${table}_${op} after ${op} on ${table} begin ` +
      `update data_versions set version = version + 1 where scope = '${scope}'; end`,
  );
}

/** PostgreSQL: the bump runs once per transaction, deferred to its commit, so the shared row is locked only then. */
function pgFunction(scope: VersionScope): string {
  const { fn, setting } = scopeNames(scope);
  return `create or replace function ${fn}() returns trigger language plpgsql as $$
begin
  if current_setting('${setting}', true) is distinct from txid_current()::text then
    perform set_config('${setting}', txid_current()::text, true);
    update data_versions set version = version + 1 where scope = '${scope}';
  end if;
  return null;
end $$`;
}

/**
 * The deferred row trigger of one table; its WHEN clause (evaluated as each row is written, in C, no function call)
 * queues the bump for the transaction's first versioned row only and marks the transaction in a setting, so a batch
 * of thousands of rows costs one bump at commit instead of one plpgsql call per row. The setting is local to the
 * transaction and undone with a rolled-back savepoint, whose queued bump is dropped with it.
 */
function pgTrigger(table: string, scope: VersionScope): string {
  const { trigger, fn, queued } = scopeNames(scope);
  const tx = `txid_current()::text`;
  return (
    `create constraint trigger ${trigger}_${table} after insert or update or delete on ${table} ` +
    `deferrable initially deferred for each row ` +
    `when (case when current_setting('${queued}', true) = ${tx} then false ` +
    `else set_config('${queued}', ${tx}, true) is not null end) execute function ${fn}()`
  );
}

/** PostgreSQL: drops and creates again the triggers of tables (made before their WHEN clause existed) for one scope. */
export function pgTriggersRenewed(tables: readonly string[], scope: VersionScope): string[] {
  return tables.flatMap((t) => [
    `drop trigger if exists ${scopeNames(scope).trigger}_${t} on ${t}`,
    pgTrigger(t, scope),
  ]);
}

/** The DDL that creates the version row (unless it exists) and the triggers of tables, for one kind of database. */
export function dataVersionDdl(
  kind: 'sqlite' | 'postgres',
  tables: readonly string[],
  scope: VersionScope = SCOPE,
): string[] {
  const table = `create table if not exists data_versions (scope text primary key, version bigint not null)`;
  const row = `insert into data_versions (scope, version) values ('${scope}', 0) on conflict (scope) do nothing`;
  if (kind === 'sqlite') return [table, row, ...tables.flatMap((t) => sqliteTriggers(t, scope))];
  return [table, row, pgFunction(scope), ...tables.map((t) => pgTrigger(t, scope))];
}

/**
 * Reads the committed version of a scope ('*' when none is given); undefined when it cannot be known without waiting
 * (SQLite mid-transaction). since (performance.now() of the caller's request arrival, for callers that wrote nothing
 * since) lets PostgreSQL answer from a read sent after it instead of a new one.
 */
export type DataVersionReader = (scope?: VersionScope, since?: number) => Promise<number | undefined>;

/**
 * The committed version of a scope when it is known without waiting, for a request's synchronous fast path (a cached
 * answer sent without an await); undefined when it would take a wait: SQLite mid-transaction, or on PostgreSQL no read
 * sent at or after since has ended yet.
 */
export type DataVersionPeek = (scope?: VersionScope, since?: number) => number | undefined;

/** SQLite: the committed version, kept for the current event-loop turn at most (see sqliteDataVersion). */
export interface SqliteVersion {
  read: DataVersionReader;
  /** The same read, synchronous (better-sqlite3 answers at once). */
  peek: DataVersionPeek;
  /** Drops the kept versions: the next read queries them (this process is about to write). */
  forget(): void;
  /** A request begins: the first of a turn drops the kept versions, so they are read after every request of the turn arrived. */
  requestBegins(): void;
}

/**
 * SQLite: the version query costs a read transaction (system calls and the WAL index), too much to pay per request.
 * One query reads every scope; the versions are kept for the rest of the current event-loop turn only, and less when
 * forget() is called or this process prepares a statement that is not read-only (driver statements run at once);
 * nothing is read while a transaction holds the store's connection (its bumps are not committed yet). `nube admin` may
 * commit from another process while serve runs: the first request that begins in a turn drops what an earlier phase of
 * the turn (a timer, a task) read, so the versions its requests use are read after the poll that delivered them, and
 * every request sees every commit made before it arrived. Timers, tasks and CLI commands read afresh each turn.
 */
export function sqliteDataVersion(sqlite: Database.Database): SqliteVersion {
  let stmt: Database.Statement | undefined;
  const kept = new Map<string, number>();
  let expiring = false;
  let requestSeen = false;
  const forget = () => kept.clear();
  const peek = (scope: VersionScope = SCOPE): number | undefined => {
    if (sqlite.inTransaction) return undefined;
    if (kept.size === 0) {
      stmt ??= sqlite.prepare(`select scope, version from data_versions`).raw();
      for (const [s, v] of stmt.all() as Array<[string, number | bigint]>) kept.set(s, Number(v));
      if (!expiring) {
        expiring = true;
        setImmediate(() => {
          expiring = false;
          forget();
        });
      }
    }
    return kept.get(scope);
  };
  return {
    forget,
    peek,
    requestBegins() {
      if (requestSeen) return;
      requestSeen = true;
      forget();
      setImmediate(() => {
        requestSeen = false;
      });
    },
    async read(scope = SCOPE) {
      return peek(scope);
    },
  };
}

/**
 * PostgreSQL: one round trip outside any transaction, so only committed bumps are seen. Concurrent callers share
 * reads: a caller joins the next read not yet sent (one read of every scope), which is sent once the read in flight
 * ends, so each caller's read still begins after the caller arrived and sees every commit made before it. A burst of
 * requests (each checks a credential or a cached answer) then queues two reads for a pool connection, not one each.
 * A caller that gives since is answered by the latest read (done or in flight) sent at or after it, when there is one:
 * a read-only request whose credential check already read the versions reads them no second time. peek answers from
 * the latest read that ended, when it was sent at or after since.
 */
export function pgDataVersion(db: Kysely<DB>): { read: DataVersionReader; peek: DataVersionPeek } {
  const q = db as unknown as Kysely<{ data_versions: { scope: string; version: number | string } }>;
  let inFlight: Promise<unknown> | undefined;
  let next: Promise<Map<string, number>> | undefined;
  /** The read sent last, and when. */
  let latest: { sentAt: number; read: Promise<Map<string, number>> } | undefined;
  /** The latest-sent read that has ended, and when it was sent (for peek). */
  let ended: { sentAt: number; versions: Map<string, number> } | undefined;
  const send = () => {
    next = undefined;
    const sentAt = performance.now();
    const read = q
      .selectFrom('data_versions')
      .select(['scope', 'version'])
      .execute()
      .then((rows) => {
        const versions = new Map(rows.map((r) => [r.scope, Number(r.version)]));
        if (!ended || ended.sentAt <= sentAt) ended = { sentAt, versions };
        return versions;
      });
    const settled = read.then(
      () => undefined,
      () => {
        if (latest?.read === read) latest = undefined;
      },
    );
    latest = { sentAt, read };
    inFlight = settled;
    void settled.then(() => {
      if (inFlight === settled) inFlight = undefined;
    });
    return read;
  };
  const join = (since: number | undefined) => {
    if (since !== undefined && latest && latest.sentAt >= since) return latest.read;
    if (next) return next;
    if (!inFlight) return send();
    next = inFlight.then(send);
    return next;
  };
  return {
    read: async (scope = SCOPE, since) => (await join(since)).get(scope),
    peek: (scope = SCOPE, since) =>
      since !== undefined && ended && ended.sentAt >= since ? ended.versions.get(scope) : undefined,
  };
}

/** The scope whose version counts wholesale replacements of the state (reset, state load), for in-process caches of rows that otherwise never change. */
const REPLACED_SCOPE = 'replaced';

/** Ends every cached read after the whole state was replaced: bumps every data version scope (VM lists, chaos, ...) and the replacement count, in the caller's transaction. */
export async function markStateReplaced(q: Kysely<DB>): Promise<void> {
  await sql`update data_versions set version = version + 1`.execute(q);
  await sql`insert into data_versions (scope, version) values (${REPLACED_SCOPE}, 1)
    on conflict (scope) do update set version = data_versions.version + 1`.execute(q);
}

/** How many times the state was replaced (0 before the first time): a cache of catalog rows is stale once it changes. */
export async function stateReplacements(q: Kysely<DB>): Promise<number> {
  const r = await sql<{
    version: number | string;
  }>`select version from data_versions where scope = ${REPLACED_SCOPE}`.execute(q);
  return r.rows[0] ? Number(r.rows[0].version) : 0;
}
