/** PostgreSQL: a queued task tells the engines of every process itself (a trigger), one round trip less per enqueue. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { TASK_CHANNEL } from '../task-channel.js';

/** Creates the trigger that notifies the engines when a PENDING task is inserted; nothing on SQLite (one process). */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  await sql
    .raw(
      `create or replace function nube_notify_task_queued() returns trigger language plpgsql as $$
begin
  perform pg_notify('${TASK_CHANNEL}', '');
  return null;
end $$`,
    )
    .execute(db);
  await sql`drop trigger if exists tasks_queued_notify on tasks`.execute(db);
  await sql
    .raw(
      `create trigger tasks_queued_notify after insert on tasks for each row when (new.status = 'PENDING') ` +
        `execute function nube_notify_task_queued()`,
    )
    .execute(db);
}
