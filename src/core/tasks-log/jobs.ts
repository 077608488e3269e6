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

  /**
   * Cancels one of the caller's tasks (an admin's: any account's): one that never ran is REVOKED at once, a running one
   * is aborted by its runner, which settles its object and marks it REVOKED; an ended task (or one that cannot stop once
   * running) is a Conflict. Answers the task as it is after up to waitMs (default 0), REVOKED once its runner settled it.
   */
  async cancel(ctx: CallContext, id: string, opts: { force?: boolean; waitMs?: number } = {}): Promise<JobView> {
    await this.visible(ctx, id);
    const out = await this.deps.tasks.cancel(id, opts.force ? 'Cancelled (force)' : 'Cancelled');
    if (out !== 'revoked' && out !== 'requested') throw conflict('Task cannot be canceled', 'wrong_state');
    if (out === 'requested' && opts.waitMs) await this.deps.tasks.wait(id, opts.waitMs);
    return this.visible(ctx, id);
  }

  /** The task whose id starts with prefix (a dialect's shortened id) that the caller may cancel: its account's, an admin's any. */
  async cancellableByIdPrefix(ctx: CallContext, prefix: string): Promise<JobView> {
    let q = this.deps.store.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', 'like', `${prefix.replace(/[%_\\]/g, '')}-%`);
    if (!ctx.isAdmin) q = q.where('account_id', '=', ctx.accountId);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('job', prefix, 'object');
    return toJob(row);
  }

  /** The open (PENDING or STARTED) tasks of the caller's account (an admin's: every account), oldest first; zoneId keeps those on objects of that zone. */
  async pending(ctx: CallContext, opts: { zoneId?: string } = {}): Promise<JobView[]> {
    let q = this.deps.store.db
      .selectFrom('tasks')
      .selectAll('tasks')
      .where('tasks.status', 'in', ['PENDING', 'STARTED']);
    if (!ctx.isAdmin) q = q.where('tasks.account_id', '=', ctx.accountId);
    const zoneId = opts.zoneId;
    if (zoneId !== undefined)
      q = q.where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('vms')
              .select('vms.id')
              .whereRef('vms.id', '=', 'tasks.object_id')
              .where('vms.zone_id', '=', zoneId),
          ),
          eb.exists(
            eb
              .selectFrom('volumes')
              .select('volumes.id')
              .whereRef('volumes.id', '=', 'tasks.object_id')
              .where('volumes.zone_id', '=', zoneId),
          ),
        ]),
      );
    const rows = await q.orderBy('tasks.created_at').orderBy('tasks.id').execute();
    return rows.map(toJob);
  }

  /** A task the caller may act on: its account's, or any for an admin; NotFound otherwise. */
  private async visible(ctx: CallContext, id: string): Promise<JobView> {
    let q = this.deps.store.db.selectFrom('tasks').selectAll().where('id', '=', id);
    if (!ctx.isAdmin) q = q.where('account_id', '=', ctx.accountId);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('job', id, 'object');
    return toJob(row);
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

/** A task row as its owner sees it. */
export function toJob(row: TaskRow): JobView {
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
