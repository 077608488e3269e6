/**
 * Task-callback delivery: claims due callbacks whose task has ended (a lease in next_attempt_at, SKIP LOCKED on
 * PostgreSQL so several processes share the work), calls each through lib/outbound, and records every attempt in the
 * callback row and the task log, retrying with exponential backoff. Everything is in the database: a restart resumes.
 * The polling itself is the shared outbound DeliveryLoop.
 */
import { sql } from 'kysely';
import type { CallbackRow, TaskRow } from '../../store/schema.js';
import { isDatabaseUnavailable } from '../../lib/errors.js';
import { OutboundError, outboundRequest } from '../../lib/outbound.js';
import { nowIso, parseJson } from '../../lib/util.js';
import { writeLog } from '../../tasks/log.js';
import type { CoreDeps } from '../deps.js';
import { toJob } from '../tasks-log/jobs.js';
import { backoffMs, DeliveryLoop, LEASE_MS, type DeliveryQueue, type WorkerLog } from '../outbound/loop.js';
import type { CallbackRenderer } from './renderer.js';

/** Delivers the callbacks of finished tasks; one per process, started and stopped with the task engine. */
export class CallbackWorker implements DeliveryQueue<CallbackRow> {
  readonly name = 'callbacks';
  private readonly loop: DeliveryLoop<CallbackRow>;

  constructor(
    private readonly deps: CoreDeps,
    private readonly renderers: ReadonlyMap<string, CallbackRenderer>,
  ) {
    this.loop = new DeliveryLoop(this, deps.store.kind);
  }

  /** Starts polling; on SQLite (one owner) the leases and backoffs of a process that died end at once. */
  start(log?: WorkerLog): void {
    this.loop.start(log);
  }

  /** Stops polling and waits for the attempts under way. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Looks for due callbacks now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Ends the leases and backoffs of pending callbacks (SQLite start-up). */
  async resetLeases(now: number): Promise<void> {
    await this.deps.store.db
      .updateTable('callbacks')
      .set({ next_attempt_at: now })
      .where('state', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .execute();
  }

  /** Callbacks wait until some dialect registered a renderer. */
  ready(): boolean {
    return this.renderers.size > 0;
  }

  /** Takes up to limit due callbacks of finished tasks whose format has a renderer, leasing each for one attempt. */
  async claim(limit: number, now: number): Promise<CallbackRow[]> {
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

  /** One attempt: render the payload, call the URL, record the answer. */
  async attempt(cb: CallbackRow): Promise<void> {
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

  private retryMs(attempt: number): number {
    return backoffMs(this.deps.config.outbound.callbackRetryMs, attempt);
  }
}
