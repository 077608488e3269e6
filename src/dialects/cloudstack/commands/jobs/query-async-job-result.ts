/** queryAsyncJobResult and listAsyncJobs: job status as CloudStack reports it. */
import type { Core } from '../../../../core/core.js';
import type { CallContext } from '../../../../lib/context.js';
import type { JobView } from '../../../../core/jobs/service.js';
import { CS_ERRORS } from '../../errors.js';
import { renderResult } from '../../results.js';
import { csDate } from '../../views/common.js';
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list, sync } from '../../command.js';

/** A job in CloudStack's asyncjobs shape, with its result once finished. */
export async function csJob(core: Core, ctx: CallContext, j: JobView): Promise<Record<string, unknown>> {
  const status = j.status === 'SUCCESS' ? 1 : j.status === 'FAILURE' || j.status === 'REVOKED' ? 2 : 0;
  const base: Record<string, unknown> = {
    jobid: j.id, accountid: j.accountId, userid: j.userId ?? j.accountId, cmd: `${j.origin.split(':')[1] ?? j.kind}Cmd`,
    created: csDate(j.created), jobstatus: status, jobprocstatus: 0, jobinstancetype: j.objectType === 'virtual machine' ? 'VirtualMachine' : undefined,
    jobinstanceid: j.objectId,
  };
  if (status === 0) return base;
  if (status === 1) {
    return { ...base, jobresultcode: 0, jobresulttype: 'object', jobresult: await renderResult(core, ctx, j.result) };
  }
  const code = j.error ? (CS_ERRORS[j.error.kind].errorcode === 431 ? 431 : 530) : 530;
  return { ...base, jobresultcode: code, jobresulttype: 'object', jobresult: { errorcode: code, errortext: j.error?.message ?? 'Job failed' } };
}

/** queryAsyncJobResult. */
export const queryAsyncJobResult: CsCommand = {
  name: 'queryAsyncJobResult', description: 'Retrieves the current status of asynchronous job.', isAsync: false,
  params: [{ name: 'jobid', type: 'uuid', required: true, description: 'the ID of the asychronous job' }],
  async handle(core, ctx, p) { return sync(await csJob(core, ctx, await core.jobs.get(ctx, p.jobid))); },
};

/** listAsyncJobs. */
export const listAsyncJobs: CsCommand = {
  name: 'listAsyncJobs', description: 'Lists all pending asynchronous jobs for the account.', isAsync: false, responseName: 'asyncjobs',
  params: [...LIST_PARAMS, { name: 'startdate', type: 'date', description: 'the start date of the async job' }],
  async handle(core, ctx, p) {
    const page = await core.jobs.list(ctx, { since: p.startdate, page: p.page, pageSize: p.pagesize, keyword: p.keyword });
    const items = [];
    for (const j of page.items) items.push(await csJob(core, ctx, j));
    return list('asyncjobs', page.count, items);
  },
};
