/** Before the whole state is replaced: every open task is cancelled, and runs still under way (here or in another process) are waited for, so no handler acts on rows that are gone. */
import type { CoreDeps } from '../deps.js';

/** How long runs that cannot be cut short are waited for before the state is replaced anyway. */
const WAIT_MS = 30_000;
const POLL_MS = 25;

/** Cancels every PENDING or STARTED task and waits until no live lease remains; returns how many were cancelled. */
export async function quiesceTasks(deps: CoreDeps, detail: string): Promise<number> {
  const db = deps.store.db;
  const open = await db.selectFrom('tasks').select('id').where('status', 'in', ['PENDING', 'STARTED']).execute();
  for (const t of open) await deps.tasks.cancel(t.id, detail);
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const live = await db
      .selectFrom('tasks')
      .select('id')
      .where('status', '=', 'STARTED')
      .where('lease_until', '>', Date.now())
      .executeTakeFirst();
    if (!live) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return open.length;
}
