/**
 * Cooperative time slicing: work that would hold the event loop for long runs in slices of a few milliseconds and
 * gives the loop a turn in between, so requests (health checks, reads) never wait behind a burst of writes.
 */

/** Resolves on the next event-loop turn, after pending I/O callbacks ran. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A time budget started now: spent once budgetMs have passed (default 5 ms). */
export class TimeSlice {
  private readonly start = performance.now();

  constructor(private readonly budgetMs = 5) {}

  /** True once the budget is used up: finish the current unit of work and yield. */
  get spent(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }
}
