/** queryAsyncJobResult: one job's status, and its result once finished. */
import { command, param, sync } from '../../command.js';
import { csJob } from '../../views/job.js';

/** The command. */
export const queryAsyncJobResult = command({
  name: 'queryAsyncJobResult',
  description: 'Retrieves the current status of asynchronous job.',
  isAsync: false,
  params: { jobid: param.uuid('the ID of the asychronous job').required() },
  async handle(core, ctx, p) {
    return sync(await csJob(core, ctx, await core.jobs.get(ctx, p.jobid)));
  },
});
