/** The dialect kit's wait for a task: synchronous dialects (CloudSigma, CVM) block on it and map the outcome to their wire. */
import type { Core } from '../../core/core.js';
import type { TaskOutcome } from '../../core/tasks-log/jobs.js';
import type { CallContext } from '../../lib/context.js';

/** Waits up to timeoutMs for the caller's task: done, failed (with the task's error; REVOKED is a cancelled Conflict) or timeout. */
export function awaitTask(core: Core, ctx: CallContext, taskId: string, timeoutMs: number): Promise<TaskOutcome> {
  return core.jobs.outcome(ctx, taskId, timeoutMs);
}
