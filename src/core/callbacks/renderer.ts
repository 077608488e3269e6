/** What a dialect registers to make the payload of its callbacks: the core never knows a callback's wire format. */
import type { JobView } from '../tasks-log/jobs.js';

/** The payload of one callback: a JSON body and extra headers (the dialect's User-Agent, ...). */
export interface RenderedCallback {
  body: unknown;
  headers?: Record<string, string>;
}

/** Makes the payload of a finished task's callback from the task and the meta given at registration; one per format. */
export type CallbackRenderer = (job: JobView, meta: Record<string, unknown>) => Promise<RenderedCallback>;
