/** Task callbacks: a URL a caller asks to be called once its task ends; stored in the database and delivered by the worker. */
import type { CallContext } from '../../lib/context.js';
import { invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { CoreDeps } from '../deps.js';
import type { CallbackRenderer } from './renderer.js';
import { CallbackWorker } from './worker.js';
import type { WorkerLog } from '../outbound/loop.js';

/** The HTTP methods a callback may use. */
export const CALLBACK_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
/** One of CALLBACK_METHODS. */
export type CallbackMethod = (typeof CALLBACK_METHODS)[number];

/** What a caller registers: where to call, how, and which dialect's renderer makes the payload. */
export interface CallbackInput {
  url: string;
  method?: string;
  format: string;
  /** What the format's renderer needs besides the task (JSON-serializable). */
  meta?: Record<string, unknown>;
}

/** Registers callbacks and runs their delivery worker (started with the task engine). */
export class CallbackService {
  private readonly renderers = new Map<string, CallbackRenderer>();
  private readonly worker: CallbackWorker;

  constructor(private readonly deps: CoreDeps) {
    this.worker = new CallbackWorker(deps, this.renderers);
  }

  /** Stores a callback for a task of the caller's account; Invalid for a URL that is not http(s) or an unknown method. */
  async register(ctx: CallContext, taskId: string, input: CallbackInput): Promise<{ id: string }> {
    const method = checkCallback(input);
    const task = await this.deps.store.db
      .selectFrom('tasks')
      .select('id')
      .where('id', '=', taskId)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!task) throw notFound('task', taskId, 'object');
    const id = newId();
    await this.deps.store.db
      .insertInto('callbacks')
      .values({
        id,
        task_id: taskId,
        account_id: ctx.accountId,
        user_id: ctx.userId,
        url: input.url,
        method,
        format: input.format,
        meta: input.meta ? JSON.stringify(input.meta) : null,
        state: 'pending',
        attempts: 0,
        next_attempt_at: Date.now(),
        last_result: null,
        created_at: nowIso(),
        delivered_at: null,
      })
      .execute();
    this.worker.wake();
    return { id };
  }

  /** Appends text to the detail of the first task-log entry of a task of the caller's account (what was asked of it). */
  async annotate(ctx: CallContext, taskId: string, text: string): Promise<void> {
    const db = this.deps.store.db;
    const first = await db
      .selectFrom('task_log')
      .select(['id', 'detail'])
      .where('task_id', '=', taskId)
      .where('account_id', '=', ctx.accountId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!first) throw notFound('task', taskId, 'object');
    await db
      .updateTable('task_log')
      .set({ detail: first.detail ? `${first.detail} ${text}` : text })
      .where('id', '=', first.id)
      .execute();
  }

  /** Sets the renderer of a format; until one is set, callbacks of that format stay pending. */
  renderer(format: string, fn: CallbackRenderer): void {
    this.renderers.set(format, fn);
    this.worker.wake();
  }

  /** Starts delivering (polls for due callbacks of finished tasks); call with the task engine's start. */
  start(log?: WorkerLog): void {
    this.worker.start(log);
  }

  /** Stops delivering and waits for the attempts under way. */
  async stop(): Promise<void> {
    await this.worker.stop();
  }
}

/** The method of a valid callback (POST when none is given); Invalid naming the field otherwise. */
function checkCallback(input: { url: string; method?: string }): CallbackMethod {
  let url: URL | null = null;
  try {
    url = new URL(input.url);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw invalid('Enter a valid http or https URL.', 'url');
  const method = input.method ?? 'POST';
  if (!(CALLBACK_METHODS as readonly string[]).includes(method))
    throw invalid(`Method must be one of ${CALLBACK_METHODS.join(', ')}.`, 'method');
  return method as CallbackMethod;
}
