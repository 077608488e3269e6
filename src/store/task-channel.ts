/** The PostgreSQL channel the task engines of every process LISTEN on; queued and cancelled tasks are announced on it. */
export const TASK_CHANNEL = 'nube_tasks';
