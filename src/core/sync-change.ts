/** Synchronous changes as finished tasks: every mutating core call that needs no driver still leaves one task and its log. */
import type { Q } from '../store/db.js';
import type { CallContext } from '../lib/context.js';
import { recordDoneTask } from '../tasks/queue.js';
import type { TaskReceipt } from './receipt.js';

/** What a synchronous change records: the object it changed, what it did, and the result a job view renders. */
export interface SyncChange {
  objectType: string;
  objectId: string;
  ctx: CallContext;
  payload?: Record<string, unknown>;
  result?: unknown;
}

/** Records a change made in the caller's transaction as one finished task with its two log entries; returns its receipt. */
export async function recordSyncChange(q: Q, change: SyncChange): Promise<TaskReceipt> {
  const taskId = await recordDoneTask(q, {
    kind: 'sync',
    objectType: change.objectType,
    objectId: change.objectId,
    ctx: change.ctx,
    payload: change.payload,
    result: change.result ?? { type: 'success' },
    // The log says what the change did (its payload's action, e.g. "update"), not only that it was synchronous.
    logAction: typeof change.payload?.action === 'string' ? `sync.${change.payload.action}` : undefined,
  });
  return { taskId, objectId: change.objectId };
}
