/** Danube's answers: the SUCCESS and FAILURE task envelopes, {detail} errors, task-created answers and raw bodies. */
import type { TaskReceipt } from '../../core/receipt.js';
import type { DanubeRequest } from './request.js';
import { danubeTaskId, dummyTaskId } from './task-ids.js';

/** An answer a handler returns: status, body, extra headers, and for a created task its ids and log text. */
export interface DanubeAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Set on an asynchronous answer: the core task, so ES-STREAM can wait for it. */
  task?: { coreId: string; danubeId: string };
}

/** A Danube answer thrown from anywhere in a handler (a {detail} error or a FAILURE envelope). */
export class DanubeHttpError extends Error {
  constructor(readonly answer: DanubeAnswer) {
    super(typeof answer.body === 'object' ? JSON.stringify(answer.body) : String(answer.body));
  }
}

/** Options of a synchronous success: 201 for a created object; taskId of the core's record of the change. */
export interface OkOptions {
  status?: 200 | 201;
  taskId?: string;
}

/** A synchronous success: {status: SUCCESS, result, task_id} with a dummy task id (of the change's log entry when given). */
export function ok(q: DanubeRequest, result: unknown, opts: OkOptions = {}): DanubeAnswer {
  const id = dummyTaskId(q.user, q.dc, opts.taskId);
  return {
    status: opts.status ?? 200,
    body: { status: 'SUCCESS', result, task_id: id },
    headers: { es_task_id: id },
  };
}

/** A FAILURE envelope (400) with field errors, thrown. */
export function failure(q: Pick<DanubeRequest, 'user' | 'dc'>, result: unknown): DanubeHttpError {
  const id = dummyTaskId(q.user, q.dc);
  return new DanubeHttpError({
    status: 400,
    body: { status: 'FAILURE', result, task_id: id },
    headers: { es_task_id: id },
  });
}

/** A {detail} error with a Danube status code (403, 404, 406, 409, 412, 417, 423, 428, 501, 503), thrown. */
export function apiError(status: number, detail: string | Record<string, string[]>): DanubeHttpError {
  return new DanubeHttpError({ status, body: { detail } });
}

/** A body outside the envelopes (task helpers, login), with its status. */
export function raw(body: unknown, status = 200): DanubeAnswer {
  return { status, body };
}

/** Refuses a caller who is not SuperAdmin with 403. */
export function requireSuperAdmin(q: DanubeRequest): void {
  if (!q.user.isSuperAdmin) throw apiError(403, 'You do not have permission to perform this action.');
}

/** What the log says about a created task. */
export interface TaskMeta {
  /** The task-log message, e.g. 'Start server'. */
  msg: string;
  objectName: string;
  objectType?: string;
}

/** Hooks the kit runs when an asynchronous answer is made (callback registration); set by the plugin. */
export const taskHooks: Array<(q: DanubeRequest, receipt: TaskReceipt, meta: TaskMeta) => Promise<void>> = [];

/** A created task: 201 {status: PENDING, result: null, task_id} with es_task_id and es_task_response headers. */
export async function taskStarted(q: DanubeRequest, receipt: TaskReceipt, meta: TaskMeta): Promise<DanubeAnswer> {
  for (const hook of taskHooks) await hook(q, receipt, meta);
  const id = danubeTaskId(q.user, q.dc, receipt.taskId);
  return {
    status: 201,
    body: { status: 'PENDING', result: null, task_id: id },
    headers: { es_task_id: id, es_task_response: 'true' },
    task: { coreId: receipt.taskId, danubeId: id },
  };
}
