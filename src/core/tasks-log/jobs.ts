/** Jobs: the caller's tasks as asynchronous dialects report them, and how a waited-for task ended; beside the task log, which reads the same tasks. */
import type { TaskRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { CoreError, conflict, notFound, operationFailed } from '../../lib/errors.js';
import { parseJson } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { countedPage } from '../../store/page.js';

/** A task as seen by its owner. */
export interface JobView {
  id: string;
  kind: string;
  status: 'PENDING' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'REVOKED';
  objectType: string;
  objectId: string;
  origin: string;
  userId: string | null;
  accountId: string;
  created: string;
  finished: string | null;
  result: Record<string, unknown> | null;
  error: CoreError | null;
}

/** How a waited-for task ended: done, failed (FAILURE, or REVOKED as a cancelled Conflict unless it kept an error), or still running at the timeout. */
export type TaskOutcome =
  | { outcome: 'done'; job: JobView }
  | { outcome: 'failed'; job: JobView; error: CoreError }
  | { outcome: 'timeout'; job: JobView };

/** Reads tasks of the caller's account. */
export class JobService {
  constructor(private readonly deps: CoreDeps) {}

  /** One task of the caller, or NotFound. */
  async get(ctx: CallContext, id: string): Promise<JobView> {
    const row = await this.deps.store.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row) throw notFound('job', id, 'object');
    return toJob(row);
  }

  /** The caller's task whose id starts with prefix (a dialect that shows shortened task ids), or NotFound. */
  async byIdPrefix(ctx: CallContext, prefix: string): Promise<JobView> {
    const row = await this.deps.store.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', 'like', `${prefix.replace(/[%_\\]/g, '')}-%`)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row) throw notFound('job', prefix, 'object');
    return toJob(row);
  }

  /** The caller's tasks, newest first, optionally since a date. */
  async list(
    ctx: CallContext,
    opts: { since?: Date; page?: number; pageSize?: number; keyword?: string } = {},
  ): Promise<Page<JobView>> {
    let q = this.deps.store.db.selectFrom('tasks').where('account_id', '=', ctx.accountId);
    if (opts.since) q = q.where('created_at', '>=', opts.since.toISOString());
    if (opts.keyword) q = q.where('kind', 'like', `%${opts.keyword}%`);
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at', 'desc'), opts);
    return { count, items: rows.map(toJob) };
  }

  /** Waits (up to timeoutMs) for a task to end, for synchronous dialects and tests. */
  async wait(ctx: CallContext, id: string, timeoutMs: number): Promise<JobView> {
    await this.get(ctx, id);
    await this.deps.tasks.wait(id, timeoutMs);
    return this.get(ctx, id);
  }

  /** Waits (up to timeoutMs) for a task and says how it ended; the one rule every synchronous caller applies. */
  async outcome(ctx: CallContext, id: string, timeoutMs: number): Promise<TaskOutcome> {
    const job = await this.wait(ctx, id, timeoutMs);
    if (job.status === 'SUCCESS') return { outcome: 'done', job };
    if (job.status === 'FAILURE')
      return { outcome: 'failed', job, error: job.error ?? operationFailed('The task failed') };
    if (job.status === 'REVOKED')
      return { outcome: 'failed', job, error: job.error ?? conflict('The task was cancelled', 'cancelled') };
    return { outcome: 'timeout', job };
  }
}

function toJob(row: TaskRow): JobView {
  const err = parseJson<{ kind?: string; reason?: string; message?: string } | null>(row.error, null);
  return {
    id: row.id,
    kind: row.kind,
    status: row.status as JobView['status'],
    objectType: row.object_type,
    objectId: row.object_id,
    origin: row.origin,
    userId: row.user_id,
    accountId: row.account_id,
    created: row.created_at,
    finished: row.finished_at,
    result: parseJson<Record<string, unknown> | null>(row.result, null),
    error: err ? CoreError.fromJSON(err) : null,
  };
}
