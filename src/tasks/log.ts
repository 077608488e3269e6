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

/** Appends entries in the caller's transaction, all in one statement. */
export async function writeLogs(q: Q, entries: LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const at = nowIso();
  await q
    .insertInto('task_log')
    .values(
      entries.map((e) => ({
        task_id: e.taskId,
        account_id: e.accountId,
        user_id: e.userId,
        object_type: e.objectType,
        object_id: e.objectId,
        action: e.action,
        status: e.status,
        detail: e.detail ?? null,
        created_at: at,
      })),
    )
    .execute();
}

/** Appends one entry in the caller's transaction. */
export function writeLog(q: Q, e: LogEntry): Promise<void> {
  return writeLogs(q, [e]);
}
