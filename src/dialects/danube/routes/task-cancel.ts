/** Cancelling and deleting tasks: PUT /task/<id>/cancel/ (the task's creator) and DELETE /task/<id>/ (SuperAdmin, force only). */
import type { JobView } from '../../../core/tasks-log/jobs.js';
import { CoreError } from '../../../lib/errors.js';
import { DanubeHttpError, apiError, raw, requireSuperAdmin } from '../answers.js';
import { readParams } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { parseTaskId } from '../task-ids.js';
import { taskStatus } from '../task-status.js';

const NOT_CANCELABLE = 'Task cannot be canceled';
const DENIED = 'You do not have permission to perform this action.';
/** How long a cancel waits for the task to be revoked before answering its status (Danube waits 1 s). */
const CANCEL_WAIT_MS = 1000;

/**
 * Cancels the task named by :task_id: 403 for a malformed id (or, with creatorOnly, an id or task of another user unless
 * SuperAdmin), 406 for a dummy, unknown (another account's too) or ended task; answers the task after up to a second.
 */
async function revoke(
  q: DanubeRequest,
  force: boolean,
  creatorOnly: boolean,
): Promise<{ job: JobView; danubeId: string }> {
  const danubeId = q.params.task_id ?? '';
  const parsed = parseTaskId(danubeId);
  if (!parsed) throw apiError(403, 'Permission denied');
  const creator = !creatorOnly || q.user.isSuperAdmin;
  if (!creator && parsed.userNumber !== q.user.number) throw apiError(403, DENIED);
  if (parsed.dummy) throw apiError(406, NOT_CANCELABLE);
  try {
    const found = await q.core.jobs.cancellableByIdPrefix(q.ctx, parsed.corePrefix);
    if (!creator && found.userId !== null && found.userId !== q.user.id) throw apiError(403, DENIED);
    const job = await q.core.jobs.cancel(q.ctx, found.id, { force, waitMs: CANCEL_WAIT_MS });
    return { job, danubeId };
  } catch (err) {
    if (err instanceof CoreError && (err.kind === 'NotFound' || err.kind === 'Conflict'))
      throw apiError(406, NOT_CANCELABLE);
    throw err;
  }
}

/** Registers the cancel and delete routes of tasks. */
export function taskCancelRoutes(r: DanubeRouter): void {
  r.put(
    '/task/:task_id/cancel/',
    async (q) => {
      const p = readParams(q, { force: { type: 'bool', default: false } });
      const { job, danubeId } = await revoke(q, p.force === true, true);
      const st = await taskStatus(q.core, q.ctx, job, danubeId);
      return raw(st.body, st.code);
    },
    "Cancels a pending or running task (force is accepted: every cancel stops the task at its next step); answers the task's status, 410 once revoked.",
  );
  r.delete(
    '/task/:task_id/',
    async (q) => {
      requireSuperAdmin(q);
      const p = readParams(q, { force: { type: 'bool', default: false } });
      if (!parseTaskId(q.params.task_id ?? '')) throw apiError(403, 'Permission denied');
      if (p.force !== true) throw apiError(406, 'Safe task deletion is not implemented');
      try {
        await revoke(q, true, false);
      } catch (err) {
        // A forced deletion of a task that already ended (or never existed) has nothing left to do.
        if (!(err instanceof DanubeHttpError && err.answer.status === 406)) throw err;
      }
      return raw('Delete pending');
    },
    'Deletes a pending task (SuperAdmin; only with force=true).',
  );
}
