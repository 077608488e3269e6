/**
 * Danube user callbacks: `cb_url`/`cb_method` on any asynchronous call register a callback (invalid values never fail
 * the call: they are written into the task's first log entry instead), and the renderer makes es's payload, the task
 * status body plus random_token and security_token = md5(random_token + the task creator's callback key).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Core } from '../../core/core.js';
import type { TaskReceipt } from '../../core/receipt.js';
import type { JobView } from '../../core/tasks-log/jobs.js';
import type { RenderedCallback } from '../../core/callbacks/renderer.js';
import { systemContext } from '../../lib/context.js';
import { CoreError } from '../../lib/errors.js';
import { taskHooks } from './answers.js';
import type { DanubeRequest } from './request.js';
import { danubeTaskId } from './task-ids.js';
import { taskStatus } from './task-status.js';
import { ES_VERSION } from './version.js';

/** The callback format of this dialect. */
const FORMAT = 'danube';
/** The methods es accepts for cb_method. */
const METHODS = ['POST', 'GET', 'PUT', 'DELETE'];

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Registers the renderer of Danube callbacks on this core and the kit's hook that reads cb_url/cb_method. */
export function danubeCallbacks(core: Core): void {
  core.callbacks.renderer(FORMAT, (job, meta) => renderCallback(core, job, meta));
  if (!taskHooks.includes(callbackHook)) taskHooks.push(callbackHook);
}

/** es's callback payload of a finished task: its status body and the two tokens; User-Agent DanubeCloud/<version>. */
async function renderCallback(core: Core, job: JobView, meta: Record<string, unknown>): Promise<RenderedCallback> {
  const id = danubeTaskId({ number: Number(meta.user ?? 7) }, { number: Number(meta.dc ?? 1) }, job.id);
  const { body } = await taskStatus(core, systemContext(job.accountId, 'system', 'danube:callback'), job, id);
  const randomToken = md5(`${randomBytes(16).toString('hex')}${Date.now()}`);
  const callbackKey = job.userId ? (await core.credentials.issuers['user-api-key'].keysOf(job.userId)).callbackKey : '';
  return {
    body: { ...body, security_token: md5(randomToken + callbackKey), random_token: randomToken },
    headers: { 'User-Agent': `DanubeCloud/${ES_VERSION}` },
  };
}

/** A Python-like rendering of a value in a log detail: strings in single quotes, lists in brackets. */
function shown(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(shown).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

/** The field errors of a callback request in es's words, or null when it is valid. */
function callbackErrors(url: unknown, method: unknown): Record<string, string[]> | null {
  const errors: Record<string, string[]> = {};
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || url.length > 2048)
    errors.cb_url = ['Enter a valid URL.'];
  if (method !== undefined && (typeof method !== 'string' || !METHODS.includes(method)))
    errors.cb_method = [`"${String(method)}" is not a valid choice.`];
  return Object.keys(errors).length ? errors : null;
}

/** The kit's task hook: stores the callback a call asked for and notes it (or why it was not stored) in the task log. */
async function callbackHook(q: DanubeRequest, receipt: TaskReceipt): Promise<void> {
  const url = q.data.cb_url;
  if (url === undefined || url === null || url === '') return;
  const method = q.data.cb_method === undefined || q.data.cb_method === '' ? undefined : q.data.cb_method;
  let errors = callbackErrors(url, method);
  if (!errors) {
    try {
      await q.core.callbacks.register(q.ctx, receipt.taskId, {
        url: url as string,
        method: (method as string | undefined) ?? 'POST',
        format: FORMAT,
        meta: { user: q.user.number, dc: q.dc.number },
      });
    } catch (err) {
      if (!(err instanceof CoreError) || err.kind !== 'Invalid') throw err;
      errors = { cb_url: ['Enter a valid URL.'] };
    }
  }
  const note = errors
    ? Object.entries(errors)
        .map(([k, v]) => `${k}=${shown(v)}`)
        .join(' ')
    : `cb_url=${shown(url)} cb_method=${shown(method ?? 'POST')}`;
  await q.core.callbacks.annotate(q.ctx, receipt.taskId, note);
}
