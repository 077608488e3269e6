/** The durable task engine: claims tasks with a lease, heartbeats them, runs handlers and recovers after crashes. */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import { isDatabaseUnavailable } from '../lib/errors.js';
import { newId, sleep } from '../lib/util.js';
import { nextTurn } from '../lib/time-slice.js';
import { TaskListener } from './listener.js';
import { cancelRequested, cancelTask, cancelledError, type CancelOutcome } from './cancel.js';
import { logTasksOf, taskLine } from './task-lines.js';
import { CANCEL_PAYLOAD, TASK_CHANNEL } from '../store/task-channel.js';
import { isTerminal, type TaskHandler } from './handler.js';
import { TaskRunner } from './runner.js';
import { PENDING, claimWhere, expiredLeases, handBack, renewLeases, takeBackStarted } from './leases.js';

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
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly runs: TaskRunner;
  private active = false;
  private loopPromise: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private listener: TaskListener | null = null;
  private databaseDown = false;
  /** Another process may have asked to cancel a run here (a cancel notification, or notifications were missed). */
  private cancelNews = false;
  /** When the loop last looked for tasks whose lease ran out (performance.now()). */
  private expiredCheckedAt = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly opts: EngineOptions,
  ) {
    this.events.setMaxListeners(0);
    logTasksOf(store, opts.log);
    this.runs = new TaskRunner(store, this.handlers, {
      maxAttempts: opts.maxAttempts ?? 5,
      log: opts.log,
      done: (taskId) => this.events.emit(`done:${taskId}`),
      wake: () => this.wake(),
      databaseIs: (up) => this.databaseIs(up),
    });
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
    if (this.store.kind === 'sqlite') await takeBackStarted(this.store);
    else if (this.store.pool) {
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
    await Promise.allSettled([...this.runs.running.values()]);
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
      this.runs.aborts.get(taskId)?.abort(cancelledError());
      this.wake();
    }
    return out;
  }

  /** Aborts the runs here whose cancel another process asked for. */
  private async abortCancelled(): Promise<void> {
    const aborts = this.runs.aborts;
    if (aborts.size === 0) return;
    try {
      for (const id of await cancelRequested(this.store.db, [...aborts.keys()]))
        aborts.get(id)?.abort(cancelledError());
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
      const free = this.opts.workers - this.runs.running.size;
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
        this.runs.dispatch(claimed);
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
      expired = await claimWhere(this.store, this.lease, expiredLeases(now), limit);
      if (expired.length >= limit) return expired;
    }
    return [...expired, ...(await claimWhere(this.store, this.lease, PENDING, limit - expired.length))];
  }

  /** This engine's lease terms. */
  private get lease(): { owner: string; leaseMs: number } {
    return { owner: this.owner, leaseMs: this.opts.leaseMs };
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
    const held = this.runs.handBack;
    if (held.size === 0) return;
    const ids = [...held];
    await handBack(this.store, this.owner, ids);
    for (const id of ids) held.delete(id);
    this.wake();
  }

  /** The heartbeat: keeps the leases of the runs here, and looks for cancels asked elsewhere. */
  private async renewLeases(): Promise<void> {
    if (this.runs.running.size === 0) return;
    try {
      await renewLeases(this.store, this.lease, [...this.runs.running.keys()]);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) this.opts.log?.warn({ err: String(err) }, 'lease renewal failed');
    }
    await this.abortCancelled();
  }
}
