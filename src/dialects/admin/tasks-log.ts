/** GET /admin/tasks/log: the task log as JSON, filtered by object, type, task, action, time and (for another account) account. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import type { TaskLogFilter } from '../../core/tasks-log/service.js';
import { invalid } from '../../lib/errors.js';

/** The query parameters of the task log call (all optional). */
interface TaskLogQuery {
  objectId?: string;
  objectType?: string;
  taskId?: string;
  action?: string;
  since?: string;
  accountId?: string;
  page?: string;
  pageSize?: string;
}

/** Registers the task log route; contextOf gives the admin's call context of a request. */
export function taskLogRoutes(
  app: FastifyInstance,
  core: Core,
  contextOf: (req: FastifyRequest, origin: string) => CallContext,
): void {
  app.get<{ Querystring: TaskLogQuery }>('/tasks/log', async (req) => {
    const q = req.query ?? {};
    const f: TaskLogFilter = {};
    for (const k of ['objectId', 'objectType', 'taskId', 'action', 'accountId'] as const) {
      const v = q[k];
      if (v !== undefined && typeof v !== 'string') throw invalid(`${k} must be given once`, k);
      if (v) f[k] = v;
    }
    if (q.since !== undefined) {
      const since = typeof q.since === 'string' ? new Date(q.since) : new Date(NaN);
      if (Number.isNaN(since.getTime())) throw invalid('since must be an ISO 8601 date and time', 'since');
      f.since = since;
    }
    const page = await core.tasks.log(contextOf(req, 'admin:tasks/log'), f, {
      page: whole(q.page, 'page'),
      pageSize: whole(q.pageSize, 'pageSize'),
    });
    return { count: page.count, entries: page.items };
  });
}

/** An optional positive whole number from the query, or Invalid naming the parameter. */
function whole(v: unknown, field: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^[0-9]{1,9}$/.test(v)) throw invalid(`${field} must be a whole number`, field);
  return Number(v);
}
