/** Writing tasks: enqueue in the caller's transaction (one writer per object), finish and fail them. */
import { sql } from 'kysely';
import type { Q, Store } from '../store/db.js';
import { isUniqueViolation } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import type { CallContext } from '../lib/context.js';
import { CoreError, conflict } from '../lib/errors.js';
import { nowIso, orderedId } from '../lib/util.js';
import type { TaskKind } from './kinds.js';
import { writeLog, writeLogs, type LogEntry } from './log.js';
import { notifyTaskEnds } from './observers.js';
import { taskLine } from './task-lines.js';

/** What to enqueue: the kind, the object it changes and its inputs. */
export interface TaskSpec {
  kind: TaskKind;
  objectType: string;
  objectId: string;
  /** Exclusive tasks hold the object's single writer slot until they end. */
  exclusive?: boolean;
  payload?: Record<string, unknown>;
  ctx: CallContext;
  /** The object was created in this transaction, so no other task can hold it yet. */
  fresh?: boolean;
}

/** The row of a new PENDING task. */
function pendingRow(spec: TaskSpec) {
  return {
    id: orderedId(),
    account_id: spec.ctx.accountId,
    user_id: spec.ctx.userId,
    kind: spec.kind,
    object_type: spec.objectType,
    object_id: spec.objectId,
    exclusive: (spec.exclusive ?? true) ? 1 : 0,
    status: 'PENDING',
    payload: JSON.stringify(spec.payload ?? {}),
    result: null,
    error: null,
    origin: spec.ctx.origin,
    attempts: 0,
    lease_owner: null,
    lease_until: null,
    created_at: nowIso(),
    started_at: null,
    finished_at: null,
  };
}

/** The "created" log entry of a queued task. */
function queuedEntry(row: ReturnType<typeof pendingRow>): LogEntry {
  return {
    taskId: row.id,
    accountId: row.account_id,
    userId: row.user_id,
    objectType: row.object_type,
    objectId: row.object_id,
    action: row.kind,
    status: 'PENDING',
  };
}

/**
 * Queues the tasks of objects created in this transaction (no other task can hold them yet, so no busy check): one
 * statement for the tasks and one for their log entries, whatever their number; returns the task ids in order.
 */
export async function enqueueFreshTasks(store: Store, q: Q, specs: TaskSpec[]): Promise<string[]> {
  if (specs.length === 0) return [];
  const rows = specs.map(pendingRow);
  await q.insertInto('tasks').values(rows).execute();
  await writeLogs(q, rows.map(queuedEntry));
  for (const row of rows) taskLine(store, 'queued', row);
  return rows.map((r) => r.id);
}

/** Inserts a PENDING task (on PostgreSQL a trigger tells every engine) and its "created" log entry; a second open exclusive task on the object is a Conflict. */
export async function enqueueTask(store: Store, q: Q, spec: TaskSpec): Promise<string> {
  const row = pendingRow(spec);
  const exclusive = row.exclusive === 1;
  if (exclusive && !spec.fresh) {
    const busy = await q
      .selectFrom('tasks')
      .select('id')
      .where('object_id', '=', spec.objectId)
      .where('exclusive', '=', 1)
      .where('status', 'in', ['PENDING', 'STARTED'])
      .executeTakeFirst();
    if (busy) throw busyError(spec.objectType);
  }
  // Only an exclusive task on an object that existed before can meet the unique index of open exclusive tasks; on
  // PostgreSQL a savepoint then keeps the caller's transaction usable if the index refuses the row (two round trips
  // a fresh object's task does without).
  const guarded = store.kind === 'postgres' && exclusive && !spec.fresh;
  try {
    if (guarded) await sql`savepoint enqueue`.execute(q);
    await q.insertInto('tasks').values(row).execute();
    if (guarded) await sql`release savepoint enqueue`.execute(q);
  } catch (err) {
    if (isUniqueViolation(err)) {
      if (guarded) await sql`rollback to savepoint enqueue`.execute(q);
      throw busyError(spec.objectType);
    }
    throw err;
  }
  await writeLog(q, queuedEntry(row));
  taskLine(store, 'queued', row);
  return row.id;
}

function busyError(objectType: string): CoreError {
  return conflict(`The ${objectType} is busy with another operation; try again when it has finished`, 'busy');
}

/** Records a change that completed synchronously as a finished task with its two log entries (their action is logAction, else the kind). */
export async function recordDoneTask(
  q: Q,
  spec: Omit<TaskSpec, 'exclusive'> & { result: unknown; logAction?: string },
): Promise<string> {
  const id = orderedId();
  const now = nowIso();
  await q
    .insertInto('tasks')
    .values({
      id,
      account_id: spec.ctx.accountId,
      user_id: spec.ctx.userId,
      kind: spec.kind,
      object_type: spec.objectType,
      object_id: spec.objectId,
      exclusive: 0,
      status: 'SUCCESS',
      payload: JSON.stringify(spec.payload ?? {}),
      result: JSON.stringify(spec.result ?? null),
      error: null,
      origin: spec.ctx.origin,
      attempts: 1,
      lease_owner: null,
      lease_until: null,
      created_at: now,
      started_at: now,
      finished_at: now,
    })
    .execute();
  const base = {
    taskId: id,
    accountId: spec.ctx.accountId,
    userId: spec.ctx.userId,
    objectType: spec.objectType,
    objectId: spec.objectId,
  };
  const action = spec.logAction ?? spec.kind;
  await writeLog(q, { ...base, action, status: 'PENDING' });
  await writeLog(q, { ...base, action, status: 'SUCCESS' });
  const task = {
    id,
    account_id: spec.ctx.accountId,
    kind: spec.kind,
    object_type: spec.objectType,
    object_id: spec.objectId,
    payload: JSON.stringify(spec.payload ?? {}),
  };
  await notifyTaskEnds(q, [{ task, status: 'SUCCESS', action }]);
  return id;
}

/** Ends an open task with status and the given columns, writing its final log entry; false when it had already ended. */
async function endTask(
  q: Q,
  task: TaskRow,
  status: 'SUCCESS' | 'FAILURE' | 'REVOKED',
  cols: { result?: string; error?: string },
  detail?: string,
): Promise<boolean> {
  const r = await q
    .updateTable('tasks')
    .set({ status, ...cols, finished_at: nowIso(), lease_owner: null, lease_until: null })
    .where('id', '=', task.id)
    .where('status', 'in', ['PENDING', 'STARTED'])
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await writeLog(q, {
    taskId: task.id,
    accountId: task.account_id,
    userId: task.user_id,
    objectType: task.object_type,
    objectId: task.object_id,
    action: task.kind,
    status,
    detail,
  });
  await notifyTaskEnds(q, [{ task, status, action: task.kind }]);
  return true;
}

/** Marks a task SUCCESS with its result in the caller's transaction (idempotent: only an open task changes). */
export function finishTask(q: Q, task: TaskRow, result: unknown): Promise<boolean> {
  return endTask(q, task, 'SUCCESS', { result: JSON.stringify(result ?? null) });
}

/**
 * Marks open tasks SUCCESS, each with its result, in the caller's transaction: one update, one insert of their final
 * log entries and one round of the task-end observers for all of them. Returns the tasks that were still open.
 */
export async function finishTasks(q: Q, done: Array<{ task: TaskRow; result: unknown }>): Promise<TaskRow[]> {
  if (done.length === 0) return [];
  const results = done.map((d) => sql`when ${d.task.id} then ${JSON.stringify(d.result ?? null)}`);
  const ids = done.map((d) => d.task.id);
  const r = await sql<{ id: string }>`update tasks set status = 'SUCCESS',
      result = case id ${sql.join(results, sql` `)} end,
      finished_at = ${nowIso()}, lease_owner = null, lease_until = null
    where id in (${sql.join(ids)}) and status in ('PENDING', 'STARTED')
    returning id`.execute(q);
  const ended = new Set(r.rows.map((row) => row.id));
  const tasks = done.map((d) => d.task).filter((t) => ended.has(t.id));
  await writeLogs(
    q,
    tasks.map((t) => ({
      taskId: t.id,
      accountId: t.account_id,
      userId: t.user_id,
      objectType: t.object_type,
      objectId: t.object_id,
      action: t.kind,
      status: 'SUCCESS',
    })),
  );
  await notifyTaskEnds(
    q,
    tasks.map((task) => ({ task, status: 'SUCCESS' as const, action: task.kind })),
  );
  return tasks;
}

/** Marks a task FAILURE with a CoreError in the caller's transaction. */
export function failTask(q: Q, task: TaskRow, err: CoreError): Promise<boolean> {
  return endTask(q, task, 'FAILURE', { error: JSON.stringify(err.toJSON()) }, err.message);
}

/** Marks an open task REVOKED in the caller's transaction with its final log entry; false when it had already ended. */
export function revokeTask(q: Q, task: TaskRow, detail = 'Cancelled'): Promise<boolean> {
  const error = JSON.stringify(conflict('The task was cancelled', 'cancelled').toJSON());
  return endTask(q, task, 'REVOKED', { error }, detail);
}
