/** The durable task engine: claims tasks with a lease, heartbeats them, runs handlers and recovers after crashes. */
import { EventEmitter } from 'node:events';
import { sql, type RawBuilder } from 'kysely';
import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import { CoreError, asCoreError, isDatabaseUnavailable, operationFailed } from '../lib/errors.js';
import { newId, nowIso, sleep } from '../lib/util.js';
import { nextTurn } from '../lib/time-slice.js';
import { failTask, finishTask } from './queue.js';
import { TaskListener } from './listener.js';
import { cancelRequested, cancelTask, cancelledError, settleRevoked, type CancelOutcome } from './cancel.js';
import { logTasksOf, taskLine } from './task-lines.js';
import { CANCEL_PAYLOAD, TASK_CHANNEL } from '../store/task-channel.js';

/** Returned by a handler that already finished its task in its own last transaction. */
export const FINISHED = Symbol('finished');

/** Runs one kind of task; must be idempotent because a task may run again after a crash. */
export interface TaskHandler {
  /** Does the work; may finish the task itself (finishTask in its last transaction) or return a result; signal aborts on a cancel. */
  run(task: TaskRow, signal: AbortSignal): Promise<unknown>;
  /** Undoes or settles state after a failure, in the transaction that marks the task failed (and, without onRevoke, revoked). */
  onFailure?(q: import('../store/db.js').Q, task: TaskRow, err: CoreError): Promise<void>;
  /**
   * Runs several claimed tasks of this kind together (fewer transactions); returns the error of each task that
   * failed, the others being finished. Throwing makes the engine run each task alone with run().
   */
  runBatch?(tasks: TaskRow[], signals: Map<string, AbortSignal>): Promise<Map<string, unknown>>;
  /** The run stops at its await points once its signal aborts, so a running task of this kind may be cancelled. */
  abortable?: boolean;
  /** Settles a cancelled run (undoes or re-reads what the driver did) and calls revokeTask in its last transaction. */
  onRevoke?(task: TaskRow): Promise<void>;
}

/** Engine tuning. */
export interface EngineOptions {
  workers: number;
  leaseMs: number;
  maxAttempts?: number;
  log?: Logger;
  pollMs?: number;
}

/** Claims and runs tasks; one per process. */
export class TaskEngine {
  readonly owner = newId();
  private readonly events = new EventEmitter();
  private readonly running = new Map<string, Promise<void>>();
  /** The abort controllers of the running tasks of abortable kinds, for cancels. */
  private readonly aborts = new Map<string, AbortController>();
  private handlers = new Map<string, TaskHandler>();
  private active = false;
  private loopPromise: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private listener: TaskListener | null = null;
  /** Tasks this process claimed whose run met a database outage: handed back (attempt not counted) once it is back. */
  private readonly handBack = new Set<string>();
  private databaseDown = false;
  /** Another process may have asked to cancel a run here (a cancel notification, or notifications were missed). */
  private cancelNews = false;
  /** When the loop last looked for tasks whose lease ran out (performance.now()). */
  private expiredCheckedAt = -Infinity;
  /** When each run here began, for the duration on its end line. */
  private readonly began = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly opts: EngineOptions,
  ) {
    this.events.setMaxListeners(0);
    logTasksOf(store, opts.log);
  }

  /** Registers the handler of a task kind. */
  register(kind: string, handler: TaskHandler): void {
    this.handlers.set(kind, handler);
  }

  /** True once start() ran and until stop(). */
  get isRunning(): boolean {
    return this.active;
  }

  /** Starts claiming: on SQLite (one owner) unfinished tasks of a dead process are taken back at once. */
  async start(): Promise<void> {
    if (this.active) return;
    if (this.store.kind === 'sqlite') {
      await this.store.db
        .updateTable('tasks')
        .set({ status: 'PENDING', lease_owner: null, lease_until: null })
        // Literal IN (not bound values) so SQLite uses the tasks_open partial index instead of scanning every task.
        .where(sql<boolean>`status in ('PENDING', 'STARTED') and status = 'STARTED'`)
        .execute();
    } else if (this.store.pool) {
      this.listener = new TaskListener(this.store.pool, {
        channel: TASK_CHANNEL,
        log: this.opts.log,
        onNotify: (payload) => {
          if (payload === CANCEL_PAYLOAD) this.cancelNews = true;
          this.wake();
        },
        onReconnect: () => {
          this.cancelNews = true;
          this.wake();
        },
      });
      await this.listener.start();
    }
    this.active = true;
    this.heartbeat = setInterval(
      () => {
        void this.renewLeases();
      },
      Math.max(50, Math.floor(this.opts.leaseMs / 3)),
    );
    this.heartbeat.unref();
    this.loopPromise = this.loop();
  }

  /** Stops claiming and waits for running handlers to end. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.wake();
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.loopPromise;
    await Promise.allSettled([...this.running.values()]);
    await this.listener?.stop();
    this.listener = null;
  }

  /** Tells the loop that new tasks may be waiting. */
  wake(): void {
    this.woken = true;
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Resolves with the task once it is terminal, or with its current row after timeoutMs. */
  async wait(taskId: string, timeoutMs: number): Promise<TaskRow | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.store.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
      if (!row || isTerminal(row.status)) return row;
      const left = deadline - Date.now();
      if (left <= 0) return row;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 250));
        function done() {
          clearTimeout(t);
          events.off(`done:${taskId}`, done);
          resolve();
        }
        const events = this.events;
        events.on(`done:${taskId}`, done);
      });
    }
  }

  /** Cancels a task (tasks/cancel.ts): one that never ran is revoked at once; a run here is aborted now, elsewhere at its runner's next check. */
  async cancel(taskId: string, detail = 'Cancelled'): Promise<CancelOutcome> {
    let revoked: TaskRow | undefined;
    const out = await cancelTask(
      this.store,
      taskId,
      {
        abortable: (kind) => this.handlers.get(kind)?.abortable === true,
        settle: async (q, task) => {
          revoked = task;
          await this.handlers.get(task.kind)?.onFailure?.(q, task, cancelledError());
        },
      },
      detail,
    );
    if (out === 'revoked') {
      if (revoked) taskLine(this.store, 'cancelled', revoked, { ms: 0 });
      this.events.emit(`done:${taskId}`);
    }
    if (out === 'requested') {
      this.aborts.get(taskId)?.abort(cancelledError());
      this.wake();
    }
    return out;
  }

  /** Aborts the runs here whose cancel another process asked for. */
  private async abortCancelled(): Promise<void> {
    if (this.aborts.size === 0) return;
    try {
      for (const id of await cancelRequested(this.store.db, [...this.aborts.keys()]))
        this.aborts.get(id)?.abort(cancelledError());
    } catch (err) {
      if (!isDatabaseUnavailable(err)) this.opts.log?.warn({ err: String(err) }, 'cancel check failed');
    }
  }

  private async loop(): Promise<void> {
    const pollMs = this.opts.pollMs ?? 500;
    while (this.active) {
      // Give queued requests a turn before each claim: a busy engine must not hold the event loop.
      await nextTurn();
      // Cancels asked here abort at once (cancel()); others arrive as notifications, and the heartbeat checks anyway.
      if (this.cancelNews) {
        this.cancelNews = false;
        await this.abortCancelled();
      }
      const free = this.opts.workers - this.running.size;
      let claimed: TaskRow[] = [];
      if (free > 0) {
        this.woken = false;
        try {
          await this.handBackInterrupted();
          claimed = await this.claim(free, pollMs);
          this.databaseIs(true);
        } catch (err) {
          if (isDatabaseUnavailable(err)) this.databaseIs(false);
          else this.opts.log?.error({ err: String(err) }, 'task claim failed');
          await sleep(pollMs);
        }
        this.dispatch(claimed);
      }
      if (claimed.length === 0 || free <= 0) {
        if (this.woken && free > 0) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.wakeUp = null;
            resolve();
          }, pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /**
   * Takes up to limit tasks: first those whose lease ran out (their runner died or stalled), at most once per poll
   * interval since a lease lasts far longer, then PENDING ones, oldest first. Two statements, each walking its own index
   * (tasks_open by lease, tasks_pending by age): one over both states had to read and sort every open task, a backlog
   * of thousands during a burst of deploys.
   */
  private async claim(limit: number, pollMs: number): Promise<TaskRow[]> {
    const now = Date.now();
    let expired: TaskRow[] = [];
    if (performance.now() - this.expiredCheckedAt >= pollMs) {
      this.expiredCheckedAt = performance.now();
      // Literal IN (not bound values) so SQLite uses the tasks_open partial index.
      expired = await this.claimWhere(
        sql`status in ('PENDING', 'STARTED') and status = 'STARTED' and lease_until < ${now}`,
        limit,
      );
      if (expired.length >= limit) return expired;
    }
    return [...expired, ...(await this.claimWhere(sql`status = 'PENDING'`, limit - expired.length))];
  }

  /** Claims up to limit tasks matching which, oldest first, for this engine's lease. */
  private async claimWhere(which: RawBuilder<unknown>, limit: number): Promise<TaskRow[]> {
    const until = Date.now() + this.opts.leaseMs;
    const lock = this.store.kind === 'postgres' ? sql`for update skip locked` : sql``;
    const res = await sql<TaskRow>`
      update tasks set status = 'STARTED', lease_owner = ${this.owner}, lease_until = ${until},
        attempts = attempts + 1, started_at = coalesce(started_at, ${nowIso()})
      where id in (select id from tasks where ${which} order by created_at limit ${limit} ${lock})
      returning *`.execute(this.store.db);
    return res.rows;
  }

  /** Logs a database outage once when it starts and once when it ends. */
  private databaseIs(up: boolean): void {
    if (up === !this.databaseDown) return;
    this.databaseDown = !up;
    if (up) this.opts.log?.warn('the database is back; task processing resumes');
    else this.opts.log?.warn('the database is unavailable; tasks wait until it is back');
  }

  /** Returns interrupted tasks to PENDING without counting the attempt; kept for later when the database is still down. */
  private async handBackInterrupted(): Promise<void> {
    if (this.handBack.size === 0) return;
    const ids = [...this.handBack];
    await this.store.db
      .updateTable('tasks')
      .set((eb) => ({ status: 'PENDING', lease_owner: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
      .where('id', 'in', ids)
      .where('lease_owner', '=', this.owner)
      .where('status', '=', 'STARTED')
      .execute();
    for (const id of ids) this.handBack.delete(id);
    this.wake();
  }

  /** Launches claimed tasks: kinds with a batch handler run together, the rest one by one. */
  private dispatch(claimed: TaskRow[]): void {
    const groups = new Map<string, TaskRow[]>();
    for (const t of claimed) {
      // Claimed again (its lease ran out) before it could be handed back: this run is its retry.
      this.handBack.delete(t.id);
      const h = this.handlers.get(t.kind);
      if (!h?.runBatch || t.attempts > 1 || t.cancel_at) {
        this.launch(t);
        continue;
      }
      const g = groups.get(t.kind) ?? [];
      g.push(t);
      groups.set(t.kind, g);
    }
    for (const [kind, tasks] of groups) {
      if (tasks.length === 1) {
        this.launch(tasks[0]!);
        continue;
      }
      const p = this.executeBatch(this.handlers.get(kind)!, tasks).finally(() => {
        for (const t of tasks) {
          this.running.delete(t.id);
          this.events.emit(`done:${t.id}`);
        }
        this.wake();
      });
      for (const t of tasks) this.running.set(t.id, p);
    }
  }

  private async executeBatch(handler: TaskHandler, tasks: TaskRow[]): Promise<void> {
    let failed: Map<string, unknown>;
    for (const t of tasks) this.started(t);
    const signals = new Map(tasks.map((t) => [t.id, this.abortable(handler, t).signal]));
    try {
      failed = await handler.runBatch!(tasks, signals);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        for (const t of tasks) this.interrupted(t);
        return;
      }
      await Promise.all(tasks.map((t) => (signals.get(t.id)?.aborted ? this.revoke(handler, t) : this.execute(t))));
      return;
    } finally {
      for (const t of tasks) this.aborts.delete(t.id);
    }
    for (const t of tasks) if (!failed.has(t.id)) this.endLine(t, 'succeeded');
    await Promise.all(tasks.filter((t) => failed.has(t.id)).map((t) => this.ended(handler, t, failed.get(t.id))));
  }

  /** Logs that a run of task begins here. */
  private started(task: TaskRow): void {
    this.began.set(task.id, performance.now());
    taskLine(this.store, 'started', task, { attempt: Number(task.attempts) });
  }

  /** Logs how a run of task ended, with its duration. */
  private endLine(task: TaskRow, event: 'succeeded' | 'failed' | 'cancelled', error?: string): void {
    const t0 = this.began.get(task.id);
    this.began.delete(task.id);
    const ms = t0 === undefined ? 0 : Math.round(performance.now() - t0);
    taskLine(this.store, event, task, error === undefined ? { ms } : { ms, error });
  }

  /** A new abort controller for the task's run, listed for cancels when its kind is abortable. */
  private abortable(handler: TaskHandler | undefined, task: TaskRow): AbortController {
    const ctl = new AbortController();
    if (handler?.abortable) this.aborts.set(task.id, ctl);
    return ctl;
  }

  private launch(task: TaskRow): void {
    const p = this.execute(task).finally(() => {
      this.running.delete(task.id);
      this.events.emit(`done:${task.id}`);
      this.wake();
    });
    this.running.set(task.id, p);
  }

  private async execute(task: TaskRow): Promise<void> {
    const handler = this.handlers.get(task.kind);
    const max = this.opts.maxAttempts ?? 5;
    const ctl = this.abortable(handler, task);
    this.started(task);
    try {
      if (!handler) throw operationFailed(`No handler for task kind ${task.kind}`);
      // A cancel asked for before this run (its runner died, or this process restarted): settled, never run again.
      if (task.cancel_at) return await this.revoke(handler, task, task.attempts > max);
      if (task.attempts > max) throw operationFailed(`Gave up after ${max} attempts`);
      const result = await handler.run(task, ctl.signal);
      if (result !== FINISHED) await this.store.tx((trx) => finishTask(trx, task, result).then(() => undefined));
      this.endLine(task, 'succeeded');
    } catch (err) {
      await this.ended(handler, task, err);
    } finally {
      this.aborts.delete(task.id);
    }
  }

  /** A run that threw: revoked when its cancel was asked for, else failed. */
  private async ended(handler: TaskHandler | undefined, task: TaskRow, err: unknown): Promise<void> {
    let cancelled = false;
    if (handler && !isDatabaseUnavailable(err))
      cancelled = (await cancelRequested(this.store.db, [task.id]).catch(() => [])).length > 0;
    if (cancelled) await this.revoke(handler!, task);
    else await this.recordFailure(handler, task, err);
  }

  /** Settles a cancelled task as REVOKED; plain (after too many attempts) skips the handler's driver-side undo. */
  private async revoke(handler: TaskHandler, task: TaskRow, plain = false): Promise<void> {
    try {
      await settleRevoked(this.store, handler, task, plain);
      this.endLine(task, 'cancelled');
    } catch (err) {
      if (isDatabaseUnavailable(err)) return this.interrupted(task);
      this.opts.log?.error(
        { err: String(err), task: task.id },
        'could not settle a cancelled task; it will be retried',
      );
    }
  }

  /** A run cut short by a database outage is not the task's failure: it runs again once the database is back. */
  private interrupted(task: TaskRow): void {
    this.began.delete(task.id);
    this.handBack.add(task.id);
    this.databaseIs(false);
  }

  private async recordFailure(handler: TaskHandler | undefined, task: TaskRow, err: unknown): Promise<void> {
    if (isDatabaseUnavailable(err)) {
      this.interrupted(task);
      return;
    }
    {
      const core = asCoreError(err);
      if (!(err instanceof CoreError))
        this.opts.log?.error({ err: String((err as Error)?.stack ?? err), task: task.id }, 'task handler crashed');
      try {
        const failed = await this.store.tx(async (trx) => {
          const open = await trx.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirst();
          if (!open || isTerminal(open.status)) return false;
          if (handler?.onFailure) await handler.onFailure(trx, task, core);
          return failTask(trx, task, core);
        });
        if (failed) this.endLine(task, 'failed', core.message);
      } catch (inner) {
        this.opts.log?.error(
          { err: String(inner), task: task.id },
          'could not record task failure; it will be retried',
        );
      }
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.running.size === 0) return;
    try {
      await this.store.db
        .updateTable('tasks')
        .set({ lease_until: Date.now() + this.opts.leaseMs })
        .where('lease_owner', '=', this.owner)
        .where('status', '=', 'STARTED')
        .where('id', 'in', [...this.running.keys()])
        .execute();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) this.opts.log?.warn({ err: String(err) }, 'lease renewal failed');
    }
    await this.abortCancelled();
  }
}

/** True for SUCCESS, FAILURE and REVOKED. */
function isTerminal(status: string): boolean {
  return status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
}
