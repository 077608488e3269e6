/**
 * The chaos tables as one cached snapshot: rules, sim delays and seed, re-read only when their own data version (scope
 * 'chaos', bumped by triggers in the writing transaction) has moved, and that version checked at most every
 * REFRESH_MS (ahead of time, in the background), so a request's chaos check costs no database round trip and another
 * process's change applies within it.
 */
import type { Kysely } from 'kysely';
import type { DB, ChaosDelayRow, ChaosRuleRow } from './schema.js';
import { SeededRandom } from '../lib/seeded-random.js';

/** The data_versions scope the chaos tables bump. */
const SCOPE = 'chaos';
/** The tables whose changes end the cached snapshot. */
const TABLES = ['chaos_rules', 'chaos_delays', 'chaos_seed'] as const;
/** How often at most the version is read (changes made by this process apply at once: they invalidate the cache). */
const REFRESH_MS = 100;

/** The DDL of the 'chaos' version row and its triggers (row triggers, and on PostgreSQL a TRUNCATE trigger too). */
export function chaosVersionDdl(kind: 'sqlite' | 'postgres'): string[] {
  const row = `insert into data_versions (scope, version) values ('${SCOPE}', 0) on conflict (scope) do nothing`;
  if (kind === 'sqlite')
    return [
      row,
      ...TABLES.flatMap((t) =>
        (['insert', 'update', 'delete'] as const).map(
          (op) =>
            `create trigger if not exists chaos_version_${t}_${op} after ${op} on ${t} begin ` +
            `update data_versions set version = version + 1 where scope = '${SCOPE}'; end`,
        ),
      ),
    ];
  const fn =
    `create or replace function nube_bump_chaos_version() returns trigger language plpgsql as $$ begin ` +
    `update data_versions set version = version + 1 where scope = '${SCOPE}'; return null; end $$`;
  return [
    row,
    fn,
    ...TABLES.flatMap((t) => [
      `create trigger chaos_version_${t} after insert or update or delete on ${t} for each statement execute function nube_bump_chaos_version()`,
      `create trigger chaos_version_${t}_truncate after truncate on ${t} for each statement execute function nube_bump_chaos_version()`,
    ]),
  ];
}

/** Everything chaos holds at one data version. */
export interface ChaosSnapshot {
  version: number;
  /** Rules, oldest first. */
  rules: ChaosRuleRow[];
  /** Per-operation sim delays by operation name. */
  delays: Map<string, ChaosDelayRow>;
  /** The stored seed and its epoch, or undefined before one was set. */
  seed: { seed: number; epoch: number } | undefined;
}

/** The cached snapshot and the process's one chaos generator, kept in step with the stored seed. */
export class ChaosSnapshots {
  /** Every chaos draw of this process (API faults and sim jitter) comes from here. */
  readonly random = new SeededRandom();
  private cached: { snap: ChaosSnapshot; checkedAt: number } | undefined;
  private loading: Promise<ChaosSnapshot> | undefined;
  /** Grows on every invalidate, so a load begun before a local change is not cached as current. */
  private generation = 0;

  constructor(private readonly db: Kysely<DB>) {}

  /**
   * The current snapshot: cached, its version re-checked at most every REFRESH_MS, reloaded when it moved. The check
   * starts in the background once half of that has passed, so under steady traffic no request waits for it.
   */
  async current(): Promise<ChaosSnapshot> {
    return this.peek() ?? this.load();
  }

  /**
   * The cached snapshot while it is fresh (checked less than REFRESH_MS ago), without waiting: what current() would
   * answer at once, with the same background check; undefined when current() would have to read the database.
   */
  peek(): ChaosSnapshot | undefined {
    const c = this.cached;
    const age = c ? Date.now() - c.checkedAt : Infinity;
    if (!c || age >= REFRESH_MS) return undefined;
    if (age >= REFRESH_MS / 2 && !this.loading) this.load().catch(() => undefined);
    return c.snap;
  }

  /** The refresh under way, or a new one. */
  private load(): Promise<ChaosSnapshot> {
    this.loading ??= this.refresh().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Drops the cache so the next read reloads: called after this process changed a chaos table. */
  invalidate(): void {
    this.cached = undefined;
    this.loading = undefined;
    this.generation++;
  }

  private async refresh(): Promise<ChaosSnapshot> {
    const generation = this.generation;
    const version = await this.version();
    const c = this.cached;
    if (c && c.snap.version === version) {
      c.checkedAt = Date.now();
      return c.snap;
    }
    const [rules, delays, seedRow] = await Promise.all([
      this.db.selectFrom('chaos_rules').selectAll().orderBy('created_at').orderBy('id').execute(),
      this.db.selectFrom('chaos_delays').selectAll().execute(),
      this.db.selectFrom('chaos_seed').selectAll().where('id', '=', 1).executeTakeFirst(),
    ]);
    const seed = seedRow ? { seed: Number(seedRow.seed), epoch: Number(seedRow.epoch) } : undefined;
    if (seed) this.random.adopt(seed.seed, seed.epoch);
    const snap: ChaosSnapshot = {
      version,
      rules: rules.map((r) => ({ ...r, rate: Number(r.rate), remaining: Number(r.remaining) })),
      delays: new Map(
        delays.map((d) => [d.operation, { ...d, delay_ms: Number(d.delay_ms), jitter_ms: Number(d.jitter_ms) }]),
      ),
      seed,
    };
    if (generation === this.generation) this.cached = { snap, checkedAt: Date.now() };
    return snap;
  }

  private async version(): Promise<number> {
    const r = await (this.db as unknown as Kysely<{ data_versions: { scope: string; version: number } }>)
      .selectFrom('data_versions')
      .select('version')
      .where('scope', '=', SCOPE)
      .executeTakeFirst();
    return Number(r?.version ?? 0);
  }
}
