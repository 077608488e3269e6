/** PENDING tasks in creation order, so the engine's claim walks the oldest few instead of sorting every open task. */
import { sql, type Kysely } from 'kysely';

/** Creates tasks_pending: created_at of PENDING tasks only (the claim's `status = 'PENDING' order by created_at`). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('tasks_pending')
    .ifNotExists()
    .on('tasks')
    .column('created_at')
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();
}
