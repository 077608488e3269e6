/**
 * Per-account REST API rate limits: every request counts in three fixed windows (minute, hour, day) whose sizes come
 * from the account's tier. The counters live in the database (rate_counters) and are bumped with one atomic upsert,
 * so several `nube serve` processes on one PostgreSQL database share one budget per account. A refused request is
 * taken back out of every window, so a client hammering at 429 gets through again as soon as the window resets.
 */
import type { Store } from '../../store/db.js';
import { SPANS, TIER_LIMITS, isTier, type Span, type Tier } from './tiers.js';

/** What one request was told: the reported window's limit, what is left of it and when it resets (unix seconds). */
export interface RateVerdict {
  limit: number;
  remaining: number;
  /** Unix seconds when the reported window resets. */
  reset: number;
  /** Seconds to wait, set only when the request is refused. */
  retryAfter?: number;
}

/** How long an account's tier is remembered by this process (a change made elsewhere applies within this). */
const TIER_CACHE_MS = 10_000;
/** Most accounts whose tier is remembered. */
const TIER_CACHE_SIZE = 10_000;
/** How often this process deletes windows that have ended. */
const PRUNE_EVERY_MS = 10 * 60_000;

/** One window a request is counted in. */
interface Window {
  span: Span;
  start: number;
  limit: number;
}

/** Counts requests per account against its tier's limits. */
export class RateLimitService {
  private readonly tiers = new Map<string, { tier: Tier; until: number }>();
  private prunedAt = 0;

  constructor(
    private readonly store: Store,
    /** False with NUBE_RATE_LIMITS=off: nothing is counted, and a call needs no write. */
    readonly enabled: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one request of the account in its minute, hour and day windows. Refused when any is exhausted: then the
   * verdict reports that window (the one resetting last if several are) with remaining 0 and retryAfter; otherwise it
   * reports the minute window. Undefined when rate limits are off (NUBE_RATE_LIMITS=off).
   */
  async hit(accountId: string): Promise<RateVerdict | undefined> {
    if (!this.enabled) return undefined;
    const nowMs = this.now();
    await this.prune(nowMs);
    const limits = TIER_LIMITS[await this.tierOf(accountId, nowMs)];
    const sec = Math.floor(nowMs / 1000);
    const windows: Window[] = (Object.keys(SPANS) as Span[]).map((span) => ({
      span,
      start: sec - (sec % SPANS[span]),
      limit: limits[span],
    }));
    const rows = await this.bump(accountId, windows, 1);
    const counted = (w: Window) => Number(rows.find((r) => r.span === w.span)?.count ?? 1);
    const resetOf = (w: Window) => w.start + SPANS[w.span];
    const exhausted = windows.filter((w) => counted(w) > w.limit).sort((a, b) => resetOf(b) - resetOf(a));
    if (exhausted.length === 0) {
      const minute = windows[0]!;
      return { limit: minute.limit, remaining: Math.max(0, minute.limit - counted(minute)), reset: resetOf(minute) };
    }
    await this.bump(accountId, windows, -1);
    const w = exhausted[0]!;
    const retryAfter = Math.max(1, Math.ceil((resetOf(w) * 1000 - nowMs) / 1000));
    return { limit: w.limit, remaining: 0, reset: resetOf(w), retryAfter };
  }

  /** Forgets the account's remembered tier, so that a change made in this process applies to its next request. */
  forget(accountId: string): void {
    this.tiers.delete(accountId);
  }

  /**
   * Adds delta to the account's counters of these windows (creating them at 1 when delta is 1) in one atomic upsert,
   * returning the new counts. Both directions touch the rows in the same order, so concurrent hits and take-backs on
   * PostgreSQL lock them in one order and cannot deadlock.
   */
  private async bump(accountId: string, windows: Window[], delta: 1 | -1) {
    return this.store.db
      .insertInto('rate_counters')
      .values(
        windows.map((w) => ({ account_id: accountId, span: w.span, window_start: w.start, count: Math.max(0, delta) })),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'span', 'window_start'])
          .doUpdateSet({ count: (eb) => eb('rate_counters.count', '+', delta) }),
      )
      .returning(['span', 'count'])
      .execute();
  }

  /** The account's tier, remembered for TIER_CACHE_MS ('free' for an account without a known one). */
  private async tierOf(accountId: string, nowMs: number): Promise<Tier> {
    const known = this.tiers.get(accountId);
    if (known && known.until > nowMs) return known.tier;
    const row = await this.store.db
      .selectFrom('accounts')
      .select('tier')
      .where('id', '=', accountId)
      .executeTakeFirst();
    const tier: Tier = isTier(row?.tier) ? row.tier : 'free';
    if (this.tiers.size >= TIER_CACHE_SIZE) this.tiers.clear();
    this.tiers.set(accountId, { tier, until: nowMs + TIER_CACHE_MS });
    return tier;
  }

  /** Deletes ended windows, at most once every PRUNE_EVERY_MS per process. */
  private async prune(nowMs: number): Promise<void> {
    if (nowMs - this.prunedAt < PRUNE_EVERY_MS && nowMs >= this.prunedAt) return;
    this.prunedAt = nowMs;
    const sec = Math.floor(nowMs / 1000);
    const pruning = this.store.db
      .deleteFrom('rate_counters')
      .where((eb) =>
        eb.or(
          (Object.keys(SPANS) as Span[]).map((s) =>
            eb.and([eb('span', '=', s), eb('window_start', '<=', sec - SPANS[s])]),
          ),
        ),
      )
      .execute();
    // A prune that fails (a deadlock with a process whose clock lags, an outage the hit itself reports) is retried next time.
    await pruning.catch(() => undefined);
  }
}
