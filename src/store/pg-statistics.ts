/**
 * PostgreSQL planner statistics that keep up with a burst of writes. Autovacuum analyzes a table once a tenth of it
 * changed, but looks only once a minute (autovacuum_naptime): a new database filled by a burst of deploys is planned
 * for up to a minute as if its tables held a handful of rows, and plans that scan a whole table then look cheapest
 * (a batch's name check filtered every VM of the account, ~1.5 ms at 5,000 VMs and ~4 ms under load, where the index
 * answers in 0.03 ms; a batch's volumes by VM read every volume). This keeper looks every few seconds and analyzes a
 * table whose changes since its last analysis reached its size then (at least MIN_CHANGES rows): a few times while a
 * table grows from empty, each time it doubles, and never again once autovacuum's own rule comes first.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Store } from './db.js';

/** Changes below which a table is left to autovacuum: plans over a few hundred rows are cheap whatever they are. */
const MIN_CHANGES = 500;

/** How often the keeper looks (a catalog read of the schema's tables). */
const INTERVAL_MS = 2000;

/** Analyzes the schema's tables that doubled since their last analysis, while started (PostgreSQL only). */
export class PgStatistics {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log?: Logger,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  /** Starts looking every intervalMs; nothing on SQLite, whose planner needs no statistics for these queries. */
  start(): void {
    if (this.store.kind !== 'postgres' || this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.analyzeGrown()
        .catch((err: unknown) => this.log?.warn({ err: String(err) }, 'table statistics could not be refreshed'))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops looking and waits for an analysis under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Analyzes each table whose changes since its last analysis reached its size then; returns their names. */
  async analyzeGrown(): Promise<string[]> {
    const grown = await sql<{ name: string }>`
      select s.relname as name from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = current_schema() and s.n_mod_since_analyze >= greatest(${MIN_CHANGES}, c.reltuples)
      order by s.relname`.execute(this.store.db);
    // skip_locked: another process analyzing the same table already does the work.
    for (const t of grown.rows) await sql`analyze (skip_locked) ${sql.table(t.name)}`.execute(this.store.db);
    return grown.rows.map((t) => t.name);
  }
}
