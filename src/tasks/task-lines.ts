/** Task lifecycle lines in the process log (queued, started, succeeded, failed, cancelled), so an operator can follow a task without the database. */
import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';

/** One lifecycle event of a task. */
export type TaskEvent = 'queued' | 'started' | 'succeeded' | 'failed' | 'cancelled';

/** The logger of each store's tasks: enqueueTask gets only the store, so the engine and the runtime register it here. */
const loggers = new WeakMap<Store, Logger>();

/** Logs the lifecycle of the tasks written through store to log. */
export function logTasksOf(store: Store, log: Logger | undefined): void {
  if (log) loggers.set(store, log);
}

/** Writes one lifecycle line of task (ms: how long its run took, for the end events; error: why it failed). */
export function taskLine(
  store: Store,
  event: TaskEvent,
  task: Pick<TaskRow, 'id' | 'kind' | 'object_id'>,
  more: { ms?: number; error?: string; attempt?: number } = {},
): void {
  const log = loggers.get(store);
  if (!log) return;
  const fields = { taskId: task.id, kind: task.kind, objectId: task.object_id, ...more };
  if (event === 'failed') log.warn(fields, `task ${event}`);
  else log.info(fields, `task ${event}`);
}
