/**
 * Chaos: API-level fault rules per dialect and operation, per-operation sim delays and the seed of the generator every
 * draw comes from. Rules live in the store (every process on one PostgreSQL sees them) and are read from a cached
 * snapshot, so checking a request costs no database round trip unless a counted rule fires.
 */
import type { Store } from '../../store/db.js';
import type { ChaosRuleRow } from '../../store/schema.js';
import { ChaosSnapshots } from '../../store/chaos.js';
import { CoreError, notFound, rateLimited } from '../../lib/errors.js';
import { newId } from '../../lib/util.js';
import type { AccountService } from '../accounts/service.js';
import {
  checkDelay,
  checkRule,
  checkSeed,
  globMatch,
  reasonError,
  type ChaosKind,
  type ChaosParams,
  type ChaosRule,
  type ChaosRuleInput,
} from './model.js';

/** A per-operation sim delay as listed. */
export interface SimDelay {
  operation: string;
  ms: number;
  jitter: number;
}

/** Everything chaos holds, as the admin API, the CLI and a seed file see it. */
export interface ChaosListing {
  /** The generator's seed: the same seed and the same request sequence give the same faults. */
  seed: number | null;
  rules: ChaosRule[];
  delays: SimDelay[];
}

/** What a request meets: a delay first, then (optionally) an error to answer, a plain status, or a dropped connection. */
export interface ChaosVerdict {
  delayMs: number;
  end?: { kind: 'error'; error: CoreError } | { kind: 'status'; status: number; message: string } | { kind: 'drop' };
}

/** A request as chaos sees it: its dialect, the names its operation answers to, and a lazy way to learn its account id. */
export interface ChaosRequest {
  dialect: string;
  /** The names the request is matched by, asked only when some rule is set (most requests meet none). */
  operations: () => string[];
  accountId: () => Promise<string | undefined>;
}

/** Chaos rules, sim delays and seed: add, list, clear, and the per-request decision. */
export class ChaosService {
  /** The cached snapshot, shared with the sim driver (which reads the delays and draws jitter from the same generator). */
  readonly snapshots: ChaosSnapshots;
  private lastCreated = 0;

  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    snapshots?: ChaosSnapshots,
  ) {
    this.snapshots = snapshots ?? new ChaosSnapshots(store.db);
  }

  /** Rules, delays and the seed. */
  async list(): Promise<ChaosListing> {
    const snap = await this.fresh();
    const names = new Map((await this.accounts.listAccounts()).map((a) => [a.id, a.name]));
    return {
      seed: snap.seed?.seed ?? null,
      rules: snap.rules.map((r) => shown(r, r.account_id ? (names.get(r.account_id) ?? r.account_id) : null)),
      delays: [...snap.delays.values()]
        .sort((a, b) => a.operation.localeCompare(b.operation))
        .map((d) => ({ operation: d.operation, ms: d.delay_ms, jitter: d.jitter_ms })),
    };
  }

  /** Adds a rule after checking it (an account is named by name or id); it applies to requests from now on. */
  async addRule(input: ChaosRuleInput): Promise<ChaosRule> {
    const c = checkRule(input);
    let account: { id: string; name: string } | undefined;
    if (c.account !== undefined) {
      account = await this.accounts.accountByName(c.account).catch(() => this.accounts.accountById(c.account!));
    }
    const row: ChaosRuleRow = {
      id: newId(),
      dialect: c.dialect,
      operation: c.operation,
      kind: c.kind,
      rate: c.rate,
      params: JSON.stringify(c.params),
      remaining: c.remaining,
      account_id: account?.id ?? null,
      created_at: this.createdAt(),
    };
    await this.store.db.insertInto('chaos_rules').values(row).execute();
    this.snapshots.invalidate();
    return shown(row, account?.name ?? null);
  }

  /** Removes one rule, or every rule when id is absent; NotFound for an unknown id. Returns how many were removed. */
  async clearRules(id?: string): Promise<number> {
    let del = this.store.db.deleteFrom('chaos_rules');
    if (id !== undefined) del = del.where('id', '=', id);
    const n = Number((await del.executeTakeFirst()).numDeletedRows);
    this.snapshots.invalidate();
    if (id !== undefined && n === 0) throw notFound('chaos rule', id, 'object');
    return n;
  }

  /** Sets the delay (and jitter) of one sim operation, overriding NUBE_SIM_DELAY_MS for it. */
  async setDelay(input: { operation?: unknown; ms?: unknown; jitter?: unknown }): Promise<SimDelay> {
    const d = checkDelay(input);
    const values = { delay_ms: d.ms, jitter_ms: d.jitter, created_at: new Date().toISOString() };
    await this.store.db
      .insertInto('chaos_delays')
      .values({ operation: d.operation, ...values })
      .onConflict((oc) => oc.column('operation').doUpdateSet(values))
      .execute();
    this.snapshots.invalidate();
    return d;
  }

  /** Removes one operation's delay, or all when operation is absent; returns how many were removed. */
  async clearDelays(operation?: string): Promise<number> {
    let del = this.store.db.deleteFrom('chaos_delays');
    if (operation !== undefined) del = del.where('operation', '=', operation);
    const n = Number((await del.executeTakeFirst()).numDeletedRows);
    this.snapshots.invalidate();
    return n;
  }

  /** Sets the seed (a random one when absent) and restarts the sequence in every process, even for the same seed. */
  async setSeed(seed?: unknown): Promise<number> {
    const value = seed === undefined || seed === null || seed === '' ? randomSeed() : checkSeed(seed);
    // One statement, so processes starting together on one database cannot both insert the row.
    await this.store.db
      .insertInto('chaos_seed')
      .values({ id: 1, seed: value, epoch: 1 })
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ seed: value, epoch: eb('chaos_seed.epoch', '+', 1) })))
      .execute();
    this.snapshots.invalidate();
    return value;
  }

  /** At start: the configured seed (NUBE_CHAOS_SEED) when given, else a random one unless the store holds one already. */
  async start(configuredSeed?: number): Promise<void> {
    if (configuredSeed !== undefined) {
      await this.setSeed(configuredSeed);
      return;
    }
    // The first process to start keeps its random seed; the others find it there.
    await this.store.db
      .insertInto('chaos_seed')
      .values({ id: 1, seed: randomSeed(), epoch: 1 })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    this.snapshots.invalidate();
  }

  /**
   * True when no rule can fire for dialect's requests, known without waiting (the cached rules are fresh and none is
   * live for it): the request hook then skips decide and its awaits. False means "ask decide", not "a rule fires".
   */
  quiet(dialect: string): boolean {
    const snap = this.snapshots.peek();
    return snap !== undefined && !snap.rules.some((r) => liveFor(r, dialect));
  }

  /**
   * What chaos does to a request: each matching rule in the order added draws one number (a latency rule with jitter
   * draws a second), fires when the draw is below its rate (and while it has firings left), and the first error,
   * throttle or drop that fires ends the request after the sum of the latencies that fired. Undefined: nothing fires.
   */
  async decide(req: ChaosRequest): Promise<ChaosVerdict | undefined> {
    const snap = await this.snapshots.current();
    if (snap.rules.length === 0) return undefined;
    const random = this.snapshots.random;
    let account: string | undefined | null = null;
    let delayMs = 0;
    let fired = false;
    const operations = req.operations();
    for (const rule of snap.rules) {
      if (!liveFor(rule, req.dialect)) continue;
      if (!operations.some((op) => globMatch(rule.operation, op))) continue;
      if (rule.account_id) {
        if (account === null) account = await req.accountId();
        if (account !== rule.account_id) continue;
      }
      const p = JSON.parse(rule.params) as ChaosParams;
      if (random.next() >= rule.rate) continue;
      const jitter = rule.kind === 'latency' && p.jitter ? Math.round((random.next() * 2 - 1) * p.jitter) : 0;
      if (rule.remaining > 0 && !(await this.consume(rule.id))) continue;
      fired = true;
      const kind = rule.kind as ChaosKind;
      if (kind === 'latency') {
        delayMs += Math.max(0, (p.ms ?? 0) + jitter);
        continue;
      }
      return { delayMs, end: ending(kind, p, rule.id) };
    }
    return fired ? { delayMs } : undefined;
  }

  /** Takes one firing of a counted rule; false when another request (or process) took the last one. */
  private async consume(id: string): Promise<boolean> {
    const r = await this.store.db
      .updateTable('chaos_rules')
      .set((eb) => ({ remaining: eb('remaining', '-', 1) }))
      .where('id', '=', id)
      .where('remaining', '>', 0)
      .executeTakeFirst();
    this.snapshots.invalidate();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The snapshot as of now (after this process's own changes). */
  private async fresh() {
    this.snapshots.invalidate();
    return this.snapshots.current();
  }

  /** A creation time later than the previous one of this process, so rules added in one millisecond keep their order. */
  private createdAt(): string {
    this.lastCreated = Math.max(Date.now(), this.lastCreated + 1);
    return new Date(this.lastCreated).toISOString();
  }
}

/** True when rule still has firings left and applies to dialect's requests (its own dialect or every one). */
function liveFor(rule: ChaosRuleRow, dialect: string): boolean {
  return rule.remaining !== 0 && (rule.dialect === '*' || rule.dialect === dialect);
}

/** The ending a fired error, throttle or drop rule gives its request. */
function ending(kind: Exclude<ChaosKind, 'latency'>, p: ChaosParams, ruleId: string): ChaosVerdict['end'] {
  if (kind === 'drop') return { kind: 'drop' };
  if (kind === 'throttle')
    return { kind: 'error', error: rateLimited(p.message ?? 'Too many requests (simulated)', p.retry_after ?? 1) };
  if (p.status !== undefined)
    return { kind: 'status', status: p.status, message: p.message ?? `Simulated ${p.status} (chaos rule ${ruleId})` };
  return { kind: 'error', error: reasonError(p.reason ?? 'internal', p.message) };
}

/** A stored rule as listed. */
function shown(r: ChaosRuleRow, account: string | null): ChaosRule {
  const p = JSON.parse(r.params) as ChaosParams;
  return {
    id: r.id,
    dialect: r.dialect,
    operation: r.operation,
    kind: r.kind as ChaosKind,
    rate: Number(r.rate),
    remaining: Number(r.remaining),
    account,
    ...p,
    created_at: r.created_at,
  };
}

/** A fresh random seed for a store that has none. */
function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
