/** The task helpers: pending task ids, a task's details, status and done flag, the task log and its statistics. */
import type { JobView } from '../../../core/tasks-log/jobs.js';
import type { TaskLogFilter } from '../../../core/tasks-log/service.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, DanubeHttpError, raw } from '../answers.js';
import { readParams } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { danubeTaskId, parseTaskId } from '../task-ids.js';
import { taskStatus } from '../task-status.js';
import { logEntries, OBJECT_TYPES } from '../task-log.js';

/** Entries per page of the task log, and the entries shown without a page. */
const LOG_PAGE = 100;
const LOG_RECENT = 10;

/** The caller's job named by the :task_id parameter: 403 for a malformed id, 404 for a dummy or unknown one. */
async function jobOf(q: DanubeRequest): Promise<{ job: JobView; danubeId: string }> {
  const id = q.params.task_id ?? '';
  const parsed = parseTaskId(id);
  if (!parsed) throw apiError(403, 'Permission denied');
  if (parsed.dummy) throw apiError(404, 'Task does not exist (anymore)');
  try {
    return { job: await q.core.jobs.byIdPrefix(q.ctx, parsed.corePrefix), danubeId: id };
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound') throw apiError(404, 'Task does not exist (anymore)');
    throw err;
  }
}

/** The view name of a task kind (vm.start → vm_status). */
function viewOf(job: JobView): string {
  if (/^vm\.(start|stop|reboot)$/.test(job.kind)) return 'vm_status';
  if (job.kind.startsWith('vm.')) return 'vm_manage';
  return job.kind.replace(/\./g, '_');
}

/** The log filter a request's parameters ask for; 400 with field errors for bad ones. */
async function logFilter(q: DanubeRequest): Promise<{ filter: TaskLogFilter; page: number | undefined }> {
  const p = fieldErrorsBare(() =>
    readParams(q, {
      page: { type: 'int', min: 1 },
      status: { type: 'str', choices: ['PENDING', 'SUCCESS', 'FAILURE', 'REVOKED'] },
      object_type: { type: 'str', choices: [...new Set(Object.values(OBJECT_TYPES)), 'dc', 'nodestorage', 'role'] },
      object_name: { type: 'str', maxLength: 255 },
      show_running: { type: 'bool', default: false },
      hide_auto: { type: 'bool', default: false },
      date_from: { type: 'str', maxLength: 10 },
      date_to: { type: 'str', maxLength: 10 },
      order_by: { type: 'str', choices: ['time', '-time', '+time'], default: '-time' },
    }),
  );
  const errors: Record<string, string[]> = {};
  if (p.object_name !== undefined && p.object_type === undefined)
    errors.object_type = ['object_type attribute is required when filtering by object_name.'];
  const day = (v: string | undefined, f: string) => {
    if (v === undefined) return undefined;
    const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : new Date(NaN);
    if (Number.isNaN(d.getTime())) errors[f] = ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'];
    return d;
  };
  const since = day(p.date_from, 'date_from');
  const to = day(p.date_to, 'date_to');
  if (Object.keys(errors).length > 0) throw new DanubeHttpError(raw(errors, 400));
  const filter: TaskLogFilter = {
    oneEntryPerChange: true,
    newestFirst: p.order_by !== 'time',
    ...(p.status ? { status: p.status } : {}),
    ...(p.show_running ? { status: 'PENDING', tasksOnly: true } : {}),
    ...(since ? { since } : {}),
    ...(to ? { until: new Date(to.getTime() + 86_400_000) } : {}),
  };
  const coreTypes = Object.entries(OBJECT_TYPES)
    .filter(([, t]) => t === p.object_type)
    .map(([c]) => c);
  if (p.object_type !== undefined) filter.objectType = coreTypes[0] ?? p.object_type;
  if (p.object_name !== undefined && p.object_type === 'vm') {
    const found = await q.core.vms.list(q.ctx, { name: p.object_name, includeRemoved: true, pageSize: 1 });
    filter.objectId = found.items[0]?.id ?? p.object_name;
  } else if (p.object_name !== undefined) filter.objectId = p.object_name;
  return { filter, page: p.page };
}

/** Runs read, answering field errors as a bare {field: [messages]} (the task log's shape) instead of a FAILURE envelope. */
function fieldErrorsBare<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    const body =
      err instanceof DanubeHttpError ? (err.answer.body as { status?: string; result?: unknown }) : undefined;
    if (body?.status === 'FAILURE') throw new DanubeHttpError(raw(body.result, 400));
    throw err;
  }
}

/** The URL of another page of the log, or null. */
function pageUrl(q: DanubeRequest, page: number, last: number): string | null {
  if (page < 1 || page > last) return null;
  const url = new URL(q.req.url, `${q.req.protocol}://${q.req.host}`);
  url.searchParams.set('page', String(page));
  return url.toString();
}

/** Registers the task routes. */
export function taskRoutes(r: DanubeRouter): void {
  r.get(
    '/task/',
    async (q) => {
      const pending = await q.core.jobs.pending(q.ctx, { zoneId: q.dc.zoneId ?? undefined });
      return raw(pending.map((j) => danubeTaskId(q.user, q.dc, j.id)));
    },
    'The ids of your pending tasks.',
  );
  r.get(
    '/task/:task_id/',
    async (q) => {
      const { job, danubeId } = await jobOf(q);
      if (job.status !== 'PENDING' && job.status !== 'STARTED') throw apiError(404, 'Task does not exist');
      const method = /PUT|POST|DELETE|GET/.exec(job.origin)?.[0] ?? 'PUT';
      return raw({ view: viewOf(job), method, object_id: job.objectId, kind: job.kind, task_id: danubeId });
    },
    'Details of a pending task.',
  );
  for (const path of ['/task/:task_id/status/', '/task/:task_id/state/'])
    r.get(
      path,
      async (q) => {
        const { job, danubeId } = await jobOf(q);
        const st = await taskStatus(q.core, q.ctx, job, danubeId);
        return raw(st.body, st.code);
      },
      "A task's status: 201 pending, 200 done, 400 failed, 410 revoked.",
    );
  r.get(
    '/task/:task_id/done/',
    async (q) => {
      const { job, danubeId } = await jobOf(q);
      const st = await taskStatus(q.core, q.ctx, job, danubeId);
      return raw({ task_id: danubeId, done: st.code !== 201 }, st.code);
    },
    'Whether a task has finished.',
  );
  r.get(
    '/task/log/',
    async (q) => {
      const { filter, page } = await logFilter(q);
      const got = await q.core.tasks.log(q.ctx, filter, { page: page ?? 1, pageSize: page ? LOG_PAGE : LOG_RECENT });
      const results = await logEntries(q.core, q.dc, got.items);
      if (page === undefined) return raw({ results });
      const last = Math.max(1, Math.ceil(got.count / LOG_PAGE));
      if (page > last) throw apiError(404, 'Invalid page.');
      return raw({ count: got.count, next: pageUrl(q, page + 1, last), previous: pageUrl(q, page - 1, last), results });
    },
    'The task log: the last 10 entries, or pages of 100 with page=N; filters status, object_type, object_name, date_from, date_to.',
  );
  r.get(
    '/task/log/stats/',
    async (q) => {
      const p = readParams(q, { last: { type: 'int', min: 1, max: 10 * 365 * 86400, default: 86400 } });
      const since = new Date(Date.now() - p.last! * 1000);
      const count = async (status: string) =>
        (await q.core.tasks.log(q.ctx, { since, status, tasksOnly: true }, { page: 1, pageSize: 1 })).count;
      const [pending, revoked, succeeded, failed] = await Promise.all(
        ['PENDING', 'REVOKED', 'SUCCESS', 'FAILURE'].map(count),
      );
      return raw({ pending: pending! - revoked! - succeeded! - failed!, revoked, succeeded, failed, _last: p.last });
    },
    'Counts of tasks by outcome over the last N seconds (last=86400).',
  );
}
