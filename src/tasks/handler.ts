/** What a task kind plugs into the engine: its handler, and the mark of a run that finished its task itself. */
import type { Q } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import type { CoreError } from '../lib/errors.js';

/** Returned by a handler that already finished its task in its own last transaction. */
export const FINISHED = Symbol('finished');

/** Runs one kind of task; must be idempotent because a task may run again after a crash. */
export interface TaskHandler {
  /** Does the work; may finish the task itself (finishTask in its last transaction) or return a result; signal aborts on a cancel. */
  run(task: TaskRow, signal: AbortSignal): Promise<unknown>;
  /** Undoes or settles state after a failure, in the transaction that marks the task failed (and, without onRevoke, revoked). */
  onFailure?(q: Q, task: TaskRow, err: CoreError): Promise<void>;
  /**
   * Runs several claimed tasks of this kind together (fewer transactions); returns the error of each task that
   * failed, the others being finished. Throwing makes the engine run each task alone with run().
   */
  runBatch?(tasks: TaskRow[], signals: Map<string, AbortSignal>): Promise<Map<string, unknown>>;
  /** The run stops at its await points once its signal aborts, so a running task of this kind may be cancelled. */
  abortable?: boolean;
  /** Settles a cancelled run (undoes or re-reads what the driver did) and calls revokeTask in its last transaction. */
  onRevoke?(task: TaskRow): Promise<void>;
}

/** True for SUCCESS, FAILURE and REVOKED. */
export function isTerminal(status: string): boolean {
  return status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
}
