/** Task cancellation: a running task whose cancel was asked for carries the moment of the request until its runner settles it as REVOKED. */
import type { Kysely } from 'kysely';

/** Adds tasks.cancel_at (ISO time of the cancel request; null when none was asked for). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('cancel_at', 'text').execute();
}
