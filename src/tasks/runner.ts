/** Runs claimed tasks: batch handlers together, the rest one by one; records how each run ended (succeeded, failed, cancelled, or interrupted by a database outage). */
import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import { CoreError, asCoreError, isDatabaseUnavailable, operationFailed } from '../lib/errors.js';
import { failTask, finishTask } from './queue.js';
import { cancelRequested, settleRevoked } from './cancel.js';
import { taskLine } from './task-lines.js';
import { FINISHED, isTerminal, type TaskHandler } from './handler.js';

/** What the runner tells its engine. */
export interface RunnerHooks {
  maxAttempts: number;
  log?: Logger;
  /** A task's run ended here (whatever its outcome). */
  done(taskId: string): void;
  /** A worker is free: the engine may claim again. */
  wake(): void;
  /** The database answered (true) or is unavailable (false). */
  databaseIs(up: boolean): void;
}

/** The runs of one engine. */
export class TaskRunner {
  /** The runs under way, by task id. */
  readonly running = new Map<string, Promise<void>>();
  /** The abort controllers of the running tasks of abortable kinds, for cancels. */
  readonly aborts = new Map<string, AbortController>();
  /** Tasks whose run met a database outage: handed back (attempt not counted) once it is back. */
  readonly handBack = new Set<string>();
  /** When each run here began, for the duration on its end line. */
  private readonly began = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly handlers: Map<string, TaskHandler>,
    private readonly hooks: RunnerHooks,
  ) {}

  /** Launches claimed tasks: kinds with a batch handler run together, the rest one by one. */
  dispatch(claimed: TaskRow[]): void {
    const groups = new Map<string, TaskRow[]>();
    for (const t of claimed) {
      // Claimed again (its lease ran out) before it could be handed back: this run is its retry.
      this.handBack.delete(t.id);
      const h = this.handlers.get(t.kind);
      if (!h?.runBatch || t.attempts > 1 || t.cancel_at) {
        this.track([t], this.execute(t));
        continue;
      }
      const g = groups.get(t.kind) ?? [];
      g.push(t);
      groups.set(t.kind, g);
    }
    for (const [kind, tasks] of groups)
      this.track(
        tasks,
        tasks.length === 1 ? this.execute(tasks[0]!) : this.executeBatch(this.handlers.get(kind)!, tasks),
      );
  }

  /** Lists run as the run of tasks until it ends. */
  private track(tasks: TaskRow[], run: Promise<void>): void {
    const p = run.finally(() => {
      for (const t of tasks) {
        this.running.delete(t.id);
        this.hooks.done(t.id);
      }
      this.hooks.wake();
    });
    for (const t of tasks) this.running.set(t.id, p);
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

  private async execute(task: TaskRow): Promise<void> {
    const handler = this.handlers.get(task.kind);
    const max = this.hooks.maxAttempts;
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
      this.hooks.log?.error(
        { err: String(err), task: task.id },
        'could not settle a cancelled task; it will be retried',
      );
    }
  }

  /** A run cut short by a database outage is not the task's failure: it runs again once the database is back. */
  private interrupted(task: TaskRow): void {
    this.began.delete(task.id);
    this.handBack.add(task.id);
    this.hooks.databaseIs(false);
  }

  /** Marks the task failed (with the handler's undo in the same transaction), unless it already ended or the database is down. */
  private async recordFailure(handler: TaskHandler | undefined, task: TaskRow, err: unknown): Promise<void> {
    if (isDatabaseUnavailable(err)) return this.interrupted(task);
    const core = asCoreError(err);
    if (!(err instanceof CoreError))
      this.hooks.log?.error({ err: String((err as Error)?.stack ?? err), task: task.id }, 'task handler crashed');
    try {
      const failed = await this.store.tx(async (trx) => {
        const open = await trx.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirst();
        if (!open || isTerminal(open.status)) return false;
        if (handler?.onFailure) await handler.onFailure(trx, task, core);
        return failTask(trx, task, core);
      });
      if (failed) this.endLine(task, 'failed', core.message);
    } catch (inner) {
      this.hooks.log?.error({ err: String(inner), task: task.id }, 'could not record task failure; it will be retried');
    }
  }
}
