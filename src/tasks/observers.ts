/**
 * Task-end observers: code above the engine (the core's webhooks) that must act on every task that ends, synchronous
 * changes included, in the same transaction as the end. Observers get only the transaction and the ended task, so
 * they hold no state of their own and one registration serves every store of the process.
 */
import type { Q } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';

/** A task that has just ended, as the observers see it. */
export interface EndedTask {
  task: Pick<TaskRow, 'id' | 'account_id' | 'kind' | 'object_type' | 'object_id' | 'payload'>;
  status: 'SUCCESS' | 'FAILURE' | 'REVOKED';
  /** The log action of a synchronous change (`sync.update`, ...), else the kind. */
  action: string;
}

/** Runs in the transaction that ends the tasks (one or a batch); a throw aborts that transaction. */
export type TaskEndObserver = (q: Q, ended: EndedTask[]) => Promise<void>;

const observers = new Map<string, TaskEndObserver>();

/** Registers (or replaces) the observer of the given name. */
export function observeTaskEnds(name: string, fn: TaskEndObserver): void {
  observers.set(name, fn);
}

/** Tells every observer about the tasks that ended in q's transaction (each observer reads for all of them at once). */
export async function notifyTaskEnds(q: Q, ended: EndedTask[]): Promise<void> {
  if (ended.length === 0) return;
  for (const fn of observers.values()) await fn(q, ended);
}
