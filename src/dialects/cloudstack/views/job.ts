/** A task as CloudStack's async job object, with its rendered result once it finished. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { JobView } from '../../../core/tasks-log/jobs.js';
import { csJobError } from '../errors.js';
import { renderResult } from '../results.js';
import { csDate } from './common.js';

/** A job in CloudStack's asyncjobs shape, with its result once finished. */
export async function csJob(core: Core, ctx: CallContext, j: JobView): Promise<Record<string, unknown>> {
  const status = j.status === 'SUCCESS' ? 1 : j.status === 'FAILURE' || j.status === 'REVOKED' ? 2 : 0;
  const base: Record<string, unknown> = {
    jobid: j.id,
    accountid: j.accountId,
    userid: j.userId ?? j.accountId,
    cmd: `${j.origin.split(':')[1] ?? j.kind}Cmd`,
    created: csDate(j.created),
    jobstatus: status,
    jobprocstatus: 0,
    jobinstancetype: j.objectType === 'virtual machine' ? 'VirtualMachine' : undefined,
    jobinstanceid: j.objectId,
  };
  if (status === 0) return base;
  if (status === 1) {
    return { ...base, jobresultcode: 0, jobresulttype: 'object', jobresult: await renderResult(core, ctx, j.result) };
  }
  const failure = csJobError(j.error);
  return { ...base, jobresultcode: failure.errorcode, jobresulttype: 'object', jobresult: failure };
}
