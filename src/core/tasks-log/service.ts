/** The task log reader: who did what to which object, as src/tasks/log.ts wrote it (two entries per task, one per synchronous change). */
import type { Selectable } from 'kysely';
import type { TaskLogRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { Page, Paging } from '../../lib/page.js';
import { countedPage } from '../../store/page.js';

/** Which entries to read; accountId and allAccounts reach other accounts only for admins (anyone else reads only their own account). */
export interface TaskLogFilter {
  objectId?: string; objectType?: string; taskId?: string; action?: string;
  /** Entries written at or after this moment. */
  since?: Date;
  /** Admins: this account's entries instead of their own. */
  accountId?: string;
  /** Admins: every account's entries (accountId, when also given, wins). */
  allAccounts?: boolean;
}

/** One task log entry. */
export interface TaskLogEntry {
  id: number; taskId: string | null; accountId: string; userId: string | null; objectType: string; objectId: string;
  action: string; status: string; detail: string | null; created: string;
}

/** Reads the task log of the caller's account (or, for admins, of another or every account). */
export class TaskLogService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the entries matching f, oldest first. */
  async log(ctx: CallContext, f: TaskLogFilter, paging: Paging): Promise<Page<TaskLogEntry>> {
    let q = this.deps.store.db.selectFrom('task_log');
    if (!ctx.isAdmin || (f.accountId === undefined && !f.allAccounts)) q = q.where('account_id', '=', ctx.accountId);
    if (f.accountId !== undefined) q = q.where('account_id', '=', f.accountId);
    if (f.objectId !== undefined) q = q.where('object_id', '=', f.objectId);
    if (f.objectType !== undefined) q = q.where('object_type', '=', f.objectType);
    if (f.taskId !== undefined) q = q.where('task_id', '=', f.taskId);
    if (f.action !== undefined) q = q.where('action', '=', f.action);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since.toISOString());
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('id'), paging);
    return { count, items: rows.map(toEntry) };
  }
}

function toEntry(r: Selectable<TaskLogRow>): TaskLogEntry {
  return {
    id: Number(r.id), taskId: r.task_id, accountId: r.account_id, userId: r.user_id, objectType: r.object_type,
    objectId: r.object_id, action: r.action, status: r.status, detail: r.detail, created: r.created_at,
  };
}
