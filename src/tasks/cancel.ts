/** Cancelling tasks: a task that never ran is revoked at once; a running one is asked to stop (tasks.cancel_at) and its runner settles it. */
import { sql } from 'kysely';
import type { Q, Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import { conflict, type CoreError } from '../lib/errors.js';
import { nowIso } from '../lib/util.js';
import { revokeTask } from './queue.js';
import { CANCEL_PAYLOAD, TASK_CHANNEL } from '../store/task-channel.js';

/** What a cancel did: revoked at once, asked the runner to stop, or nothing (already ended, cannot stop once running, no such task). */
export type CancelOutcome = 'revoked' | 'requested' | 'finished' | 'running' | 'missing';

/** What the engine tells the cancel about task kinds. */
export interface CancelRules {
  /** Whether a running task of this kind stops at its await points when asked (its handler is abortable). */
  abortable(kind: string): boolean;
  /** Settles the object of a task that never ran, in the transaction that revokes it. */
  settle(q: Q, task: TaskRow): Promise<void>;
}

/** The error a revoked task carries and an aborted step throws. */
export function cancelledError(): CoreError {
  return conflict('The task was cancelled', 'cancelled');
}

/** Revokes a task that never ran, or marks a running one for its runner; other processes are woken to notice it. */
export async function cancelTask(
  store: Store,
  taskId: string,
  rules: CancelRules,
  detail: string,
): Promise<CancelOutcome> {
  return store.tx(async (trx) => {
    let read = trx.selectFrom('tasks').selectAll().where('id', '=', taskId);
    // Waits for a claim in flight, so a task is never revoked and started at once.
    if (store.kind === 'postgres') read = read.forUpdate();
    const task = await read.executeTakeFirst();
    if (!task) return 'missing';
    if (task.status !== 'PENDING' && task.status !== 'STARTED') return 'finished';
    if (task.status === 'PENDING' && Number(task.attempts) === 0) {
      await rules.settle(trx, task);
      await revokeTask(trx, task, detail);
      return 'revoked';
    }
    if (!rules.abortable(task.kind)) return 'running';
    if (!task.cancel_at) {
      await trx.updateTable('tasks').set({ cancel_at: nowIso() }).where('id', '=', taskId).execute();
      if (store.kind === 'postgres') await sql`select pg_notify(${TASK_CHANNEL}, ${CANCEL_PAYLOAD})`.execute(trx);
    }
    return 'requested';
  });
}

/** Of these running tasks, the ids whose cancel was asked for. */
export async function cancelRequested(q: Q, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await q
    .selectFrom('tasks')
    .select('id')
    .where('id', 'in', ids)
    .where('status', 'in', ['PENDING', 'STARTED'])
    .where('cancel_at', 'is not', null)
    .execute();
  return rows.map((r) => r.id);
}

/** The parts of a task handler that settle a cancelled run. */
export interface RevokeHooks {
  onRevoke?(task: TaskRow): Promise<void>;
  onFailure?(q: Q, task: TaskRow, err: CoreError): Promise<void>;
}

/**
 * Settles a cancelled task as REVOKED: the handler's onRevoke (it undoes or re-reads what the driver did and revokes in
 * its last transaction), else its onFailure in the transaction that revokes it; plain tells it to skip onRevoke.
 */
export async function settleRevoked(store: Store, hooks: RevokeHooks, task: TaskRow, plain = false): Promise<void> {
  if (hooks.onRevoke && !plain) {
    await hooks.onRevoke(task);
    return;
  }
  await store.tx(async (trx) => {
    const open = await trx.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirst();
    if (!open || (open.status !== 'PENDING' && open.status !== 'STARTED')) return;
    await hooks.onFailure?.(trx, task, cancelledError());
    await revokeTask(trx, task);
  });
}
