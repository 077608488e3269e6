/** The PostgreSQL channel the task engines of every process LISTEN on; queued and cancelled tasks are announced on it. */
export const TASK_CHANNEL = 'nube_tasks';

/** The payload of a cancel request on TASK_CHANNEL: engines check their runs' cancels only after one (or a lost connection). */
export const CANCEL_PAYLOAD = 'cancel';
