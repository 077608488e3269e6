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

/**
 * Reads a table a slice at a time in key order, with a turn of the event loop between slices: `read` gets the last
 * row of the previous slice (undefined first) and returns up to `size` rows after it; a short slice ends the walk.
 * For scans over every VM or volume, which hold the loop for tens of milliseconds in one read at 10,000 rows.
 */
export async function* keysetSlices<T>(read: (last: T | undefined) => Promise<T[]>, size: number): AsyncGenerator<T[]> {
  for (let last: T | undefined; ; await nextTurn()) {
    const slice = await read(last);
    if (slice.length) yield slice;
    if (slice.length < size) return;
    last = slice[slice.length - 1];
  }
}
