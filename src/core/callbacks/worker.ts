/**
 * The callback delivery loop: claims due callbacks whose task has ended (a lease in next_attempt_at, SKIP LOCKED on
 * PostgreSQL so several processes share the work), calls each through lib/outbound, and records every attempt in the
 * callback row and the task log, retrying with exponential backoff. Everything is in the database: a restart resumes.
 */
import { sql } from 'kysely';
import type { CallbackRow, TaskRow } from '../../store/schema.js';
import { isDatabaseUnavailable } from '../../lib/errors.js';
import { OutboundError, outboundRequest } from '../../lib/outbound.js';
import { nowIso, parseJson } from '../../lib/util.js';
import { writeLog } from '../../tasks/log.js';
import type { CoreDeps } from '../deps.js';
import { toJob } from '../tasks-log/jobs.js';
import type { CallbackRenderer } from './renderer.js';

/** Where the worker reports trouble it cannot put in the task log (the database itself failing). */
export interface WorkerLog {
  warn(obj: object, msg: string): void;
}

/** How often due callbacks are looked for: a finished task's callback leaves within about this long. */
const POLL_MS = 250;
/** Attempts under way at once in one process. */
const CONCURRENCY = 8;
/** An attempt's lease: longer than an outbound request may take; a process that died mid-attempt is taken over after it. */
const LEASE_MS = 30_000;

/** Delivers the callbacks of finished tasks; one per process, started and stopped with the task engine. */
export class CallbackWorker {
  private active = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private readonly running = new Set<Promise<void>>();
  private log?: WorkerLog;
  private databaseDown = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly renderers: ReadonlyMap<string, CallbackRenderer>,
  ) {}

  /** Starts polling; on SQLite (one owner) the leases and backoffs of a process that died end at once. */
  start(log?: WorkerLog): void {
    if (this.active) return;
    this.active = true;
    this.log = log;
    if (this.deps.store.kind !== 'sqlite') return this.schedule(0);
    const now = Date.now();
    this.ticking = true;
    void this.deps.store.db
      .updateTable('callbacks')
      .set({ next_attempt_at: now })
      .where('state', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .execute()
      .catch((err: unknown) => this.trouble(err, 'callback leases could not be reset'))
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

  /** Looks for due callbacks now rather than at the next poll. */
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
      if (free > 0 && this.renderers.size > 0) {
        const claimed = await this.claim(free);
        if (claimed.length === free) this.again = true;
        for (const cb of claimed) this.launch(cb);
      }
      this.databaseIs(true);
    } catch (err) {
      this.trouble(err, 'callback claim failed');
    } finally {
      this.ticking = false;
    }
    if (this.active) this.schedule(this.again ? 0 : POLL_MS);
  }

  /** Takes up to limit due callbacks of finished tasks whose format has a renderer, leasing each for one attempt. */
  private async claim(limit: number): Promise<CallbackRow[]> {
    const now = Date.now();
    const formats = sql.join([...this.renderers.keys()]);
    const lock = this.deps.store.kind === 'postgres' ? sql`for update of c skip locked` : sql``;
    const res = await sql<CallbackRow>`
      update callbacks set attempts = attempts + 1, next_attempt_at = ${now + LEASE_MS}
      where state = 'pending' and next_attempt_at <= ${now} and id in (
        select c.id from callbacks c join tasks t on t.id = c.task_id
        where c.state = 'pending' and c.next_attempt_at <= ${now} and c.format in (${formats})
          and t.status in ('SUCCESS', 'FAILURE', 'REVOKED')
        order by c.next_attempt_at limit ${limit} ${lock})
      returning *`.execute(this.deps.store.db);
    return res.rows.map((r) => ({ ...r, attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at) }));
  }

  private launch(cb: CallbackRow): void {
    const p: Promise<void> = this.deliver(cb)
      .catch((err: unknown) => this.trouble(err, 'callback attempt could not be recorded; it is retried'))
      .finally(() => {
        this.running.delete(p);
      });
    this.running.add(p);
  }

  /** One attempt: render the payload, call the URL, record the answer. */
  private async deliver(cb: CallbackRow): Promise<void> {
    const task = await this.deps.store.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', cb.task_id)
      .executeTakeFirst();
    const render = this.renderers.get(cb.format);
    if (!task || !render) {
      await this.deps.store.db
        .updateTable('callbacks')
        .set((eb) => ({ attempts: eb('attempts', '-', 1), next_attempt_at: Date.now() + this.retryMs(1) }))
        .where('id', '=', cb.id)
        .where('attempts', '=', cb.attempts)
        .execute();
      return;
    }
    let ok = false;
    let detail: string;
    try {
      const rendered = await render(toJob(task), parseJson<Record<string, unknown>>(cb.meta, {}));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Nube' };
      for (const [k, v] of Object.entries(rendered.headers ?? {})) headers[k.toLowerCase()] = v;
      const res = await outboundRequest({
        url: cb.url,
        method: cb.method,
        headers,
        body: JSON.stringify(rendered.body ?? null),
        allowPrivate: this.deps.config.outbound.allowPrivate,
      });
      ok = res.status >= 200 && res.status < 300;
      detail = `${res.status}: ${res.statusText}`;
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      detail =
        err instanceof OutboundError ? err.message : `Callback failed: ${(err as Error)?.message ?? String(err)}`;
    }
    await this.record(cb, task, ok, detail);
  }

  /** Saves the attempt's outcome and its task-log entry together, unless another process took the callback over. */
  private async record(cb: CallbackRow, task: TaskRow, ok: boolean, detail: string): Promise<void> {
    const given = cb.attempts >= this.deps.config.outbound.callbackAttempts;
    await this.deps.store.tx(async (trx) => {
      const res = await trx
        .updateTable('callbacks')
        .set({
          state: ok ? 'delivered' : given ? 'failed' : 'pending',
          next_attempt_at: Date.now() + this.retryMs(cb.attempts),
          last_result: detail,
          delivered_at: ok ? nowIso() : null,
        })
        .where('id', '=', cb.id)
        .where('attempts', '=', cb.attempts)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return;
      await writeLog(trx, {
        taskId: cb.task_id,
        accountId: cb.account_id,
        userId: cb.user_id,
        objectType: task.object_type,
        objectId: task.object_id,
        action: 'callback',
        status: ok ? 'SUCCESS' : 'FAILURE',
        detail,
      });
    });
  }

  /** The delay after the given attempt failed: the configured first delay, doubling with each attempt. */
  private retryMs(attempt: number): number {
    return this.deps.config.outbound.callbackRetryMs * 2 ** Math.max(0, attempt - 1);
  }

  private databaseIs(up: boolean): void {
    if (up === !this.databaseDown) return;
    this.databaseDown = !up;
    this.log?.warn({}, up ? 'the database is back; callbacks resume' : 'the database is unavailable; callbacks wait');
  }

  private trouble(err: unknown, msg: string): void {
    if (isDatabaseUnavailable(err)) this.databaseIs(false);
    else this.log?.warn({ err: String((err as Error)?.message ?? err) }, msg);
  }
}
