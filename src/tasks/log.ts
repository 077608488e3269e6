/** The task log: who did what to which object, two entries per task and one per synchronous change. */
import type { Q } from '../store/db.js';
import { nowIso } from '../lib/util.js';

/** One log entry to write. */
export interface LogEntry {
  taskId: string | null;
  accountId: string;
  userId: string | null;
  objectType: string;
  objectId: string;
  action: string;
  status: string;
  detail?: string | null;
}

/** Appends one entry in the caller's transaction. */
export async function writeLog(q: Q, e: LogEntry): Promise<void> {
  await q
    .insertInto('task_log')
    .values({
      task_id: e.taskId,
      account_id: e.accountId,
      user_id: e.userId,
      object_type: e.objectType,
      object_id: e.objectId,
      action: e.action,
      status: e.status,
      detail: e.detail ?? null,
      created_at: nowIso(),
    })
    .execute();
}
