/** listAsyncJobs: the caller's jobs, newest first, optionally since a date. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csJob } from '../../views/job.js';

/** The command. */
export const listAsyncJobs = command({
  name: 'listAsyncJobs',
  description: 'Lists all pending asynchronous jobs for the account.',
  isAsync: false,
  responseName: 'asyncjobs',
  params: { ...LIST_PARAMS, startdate: param.date('the start date of the async job') },
  async handle(core, ctx, p) {
    const page = await core.jobs.list(ctx, {
      since: p.startdate,
      page: p.page,
      pageSize: p.pagesize,
      keyword: p.keyword,
    });
    const items = [];
    for (const j of page.items) items.push(await csJob(core, ctx, j));
    return list('asyncjobs', page.count, items);
  },
});
