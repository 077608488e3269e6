/** The task log reader: who did what to which object, as src/tasks/log.ts wrote it (two entries per task, one per synchronous change). */
import type { Selectable } from 'kysely';
import type { TaskLogRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { Page, Paging } from '../../lib/page.js';
import { countedPage } from '../../store/page.js';

/** Which entries to read; accountId and allAccounts reach other accounts only for admins (anyone else reads only their own account). */
export interface TaskLogFilter {
  objectId?: string;
  objectType?: string;
  taskId?: string;
  action?: string;
  /** Entries written at or after this moment. */
  since?: Date;
  /** Admins: this account's entries instead of their own. */
  accountId?: string;
  /** Admins: every account's entries (accountId, when also given, wins). */
  allAccounts?: boolean;
  /** Entries of this status (PENDING, SUCCESS, FAILURE, REVOKED). */
  status?: string;
  /** Entries written before this moment. */
  until?: Date;
  /** Leaves out the first entry of each synchronous change, so each one shows once (as Danube's log does). */
  oneEntryPerChange?: boolean;
  /** Tasks only (no synchronous changes, no callback attempts). */
  tasksOnly?: boolean;
  /** Newest first instead of oldest first. */
  newestFirst?: boolean;
}

/** One task log entry; origin is the dialect and command that started its task (null for a change without a task). */
export interface TaskLogEntry {
  id: number;
  taskId: string | null;
  accountId: string;
  userId: string | null;
  objectType: string;
  objectId: string;
  action: string;
  status: string;
  detail: string | null;
  origin: string | null;
  created: string;
  /** The name of the object when it is a VM (its hostname), else null. */
  objectName: string | null;
  /** The login of the user who made the change, when known. */
  username: string | null;
}

/** Reads the task log of the caller's account (or, for admins, of another or every account). */
export class TaskLogService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the entries matching f, oldest first. */
  async log(ctx: CallContext, f: TaskLogFilter, paging: Paging): Promise<Page<TaskLogEntry>> {
    let q = this.deps.store.db.selectFrom('task_log').leftJoin('tasks', 'tasks.id', 'task_log.task_id');
    if (!ctx.isAdmin || (f.accountId === undefined && !f.allAccounts))
      q = q.where('task_log.account_id', '=', ctx.accountId);
    if (f.accountId !== undefined) q = q.where('task_log.account_id', '=', f.accountId);
    if (f.objectId !== undefined) q = q.where('task_log.object_id', '=', f.objectId);
    if (f.objectType !== undefined) q = q.where('task_log.object_type', '=', f.objectType);
    if (f.taskId !== undefined) q = q.where('task_log.task_id', '=', f.taskId);
    if (f.action !== undefined) q = q.where('task_log.action', '=', f.action);
    if (f.since !== undefined) q = q.where('task_log.created_at', '>=', f.since.toISOString());
    if (f.until !== undefined) q = q.where('task_log.created_at', '<', f.until.toISOString());
    if (f.status !== undefined) q = q.where('task_log.status', '=', f.status);
    if (f.oneEntryPerChange)
      q = q.where((eb) =>
        eb.not(eb.and([eb('task_log.action', 'like', 'sync%'), eb('task_log.status', '=', 'PENDING')])),
      );
    if (f.tasksOnly) q = q.where('task_log.action', 'not like', 'sync%').where('task_log.action', '<>', 'callback');
    const rows = q
      .leftJoin('vms', (j) =>
        j.onRef('vms.id', '=', 'task_log.object_id').on('task_log.object_type', '=', 'virtual machine'),
      )
      .leftJoin('users', 'users.id', 'task_log.user_id')
      .selectAll('task_log')
      .select(['tasks.origin', 'vms.name as object_name', 'users.username'])
      .orderBy('task_log.id', f.newestFirst ? 'desc' : 'asc');
    const page = await countedPage(q, rows, paging);
    return { count: page.count, items: page.rows.map(toEntry) };
  }
}

function toEntry(
  r: Selectable<TaskLogRow> & { origin: string | null; object_name: string | null; username: string | null },
): TaskLogEntry {
  return {
    id: Number(r.id),
    taskId: r.task_id,
    accountId: r.account_id,
    userId: r.user_id,
    objectType: r.object_type,
    objectId: r.object_id,
    action: r.action,
    status: r.status,
    detail: r.detail,
    origin: r.origin,
    created: r.created_at,
    objectName: r.object_name,
    username: r.username,
  };
}
