/**
 * The polling loop shared by every outbound delivery kept in the database (task callbacks, webhooks): it claims due
 * rows in batches (the queue leases each for one attempt, SKIP LOCKED on PostgreSQL so several processes share the
 * work), runs a bounded number of attempts at once, and reports database trouble once instead of on every tick.
 */
import { isDatabaseUnavailable } from '../../lib/errors.js';

/** Where a worker reports trouble it cannot record with the delivery (the database itself failing). */
export interface WorkerLog {
  warn(obj: object, msg: string): void;
}

/** One kind of delivery: how its rows are claimed and attempted. */
export interface DeliveryQueue<R> {
  /** Names the deliveries in log lines ("callbacks", "webhooks"). */
  readonly name: string;
  /** SQLite only (one process owns the database): ends the leases and backoffs a process that died left behind. */
  resetLeases(now: number): Promise<void>;
  /** False while nothing can be delivered yet (nothing is claimed then). */
  ready(): boolean;
  /** Leases up to limit due rows for one attempt each. */
  claim(limit: number, now: number): Promise<R[]>;
  /** Makes one attempt and records its outcome. */
  attempt(row: R): Promise<void>;
}

/** How often due rows are looked for: a due delivery leaves within about this long. */
const POLL_MS = 250;
/** Attempts under way at once in one process, per queue. */
const CONCURRENCY = 8;
/** An attempt's lease: longer than an outbound request may take; a process that died mid-attempt is taken over after it. */
export const LEASE_MS = 30_000;

/** The delay after the given failed attempt: base, doubling with each further attempt. */
export function backoffMs(baseMs: number, attempt: number): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

/** Runs one queue's deliveries in the background; one per queue and process, started and stopped with the task engine. */
export class DeliveryLoop<R> {
  private active = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private readonly running = new Set<Promise<void>>();
  private log?: WorkerLog;
  private databaseDown = false;

  constructor(
    private readonly queue: DeliveryQueue<R>,
    private readonly kind: 'sqlite' | 'postgres',
  ) {}

  /** Starts polling; on SQLite the leases and backoffs of a process that died end at once. */
  start(log?: WorkerLog): void {
    if (this.active) return;
    this.active = true;
    this.log = log;
    if (this.kind !== 'sqlite') return this.schedule(0);
    this.ticking = true;
    void this.queue
      .resetLeases(Date.now())
      .catch((err: unknown) => this.trouble(err, `${this.queue.name} leases could not be reset`))
      .finally(() => {
        this.ticking = false;
        if (this.active) this.schedule(0);
      });
  }

  /** Stops polling and waits for the attempts under way. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.ticking || this.running.size > 0) {
      await Promise.allSettled([...this.running]);
      if (this.ticking) await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Looks for due rows now rather than at the next poll. */
  wake(): void {
    if (!this.active) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (!this.active || this.ticking) return;
    this.ticking = true;
    this.again = false;
    try {
      const free = CONCURRENCY - this.running.size;
      if (free > 0 && this.queue.ready()) {
        const claimed = await this.queue.claim(free, Date.now());
        if (claimed.length === free) this.again = true;
        for (const row of claimed) this.launch(row);
      }
      this.databaseIs(true);
    } catch (err) {
      this.trouble(err, `${this.queue.name} claim failed`);
    } finally {
      this.ticking = false;
    }
    if (this.active) this.schedule(this.again ? 0 : POLL_MS);
  }

  private launch(row: R): void {
    const p: Promise<void> = this.queue
      .attempt(row)
      .catch((err: unknown) => this.trouble(err, `${this.queue.name} attempt could not be recorded; it is retried`))
      .finally(() => {
        this.running.delete(p);
      });
    this.running.add(p);
  }

  private databaseIs(up: boolean): void {
    if (up === !this.databaseDown) return;
    this.databaseDown = !up;
    const name = this.queue.name;
    this.log?.warn({}, up ? `the database is back; ${name} resume` : `the database is unavailable; ${name} wait`);
  }

  private trouble(err: unknown, msg: string): void {
    if (isDatabaseUnavailable(err)) this.databaseIs(false);
    else this.log?.warn({ err: String((err as Error)?.message ?? err) }, msg);
  }
}
