/** PostgreSQL: a transaction queues one data-version bump per scope, not one per row it writes (data-versions.ts pgTrigger). */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { IDENTITY_TABLES, VERSIONED_SINCE, pgTriggersRenewed } from '../data-versions.js';

/** Re-creates every versioned table's triggers with the WHEN clause; nothing on SQLite (its triggers are plain updates). */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  const ddl = [
    ...pgTriggersRenewed(Object.values(VERSIONED_SINCE).flat(), '*'),
    ...pgTriggersRenewed(IDENTITY_TABLES, 'identity'),
  ];
  for (const statement of ddl) await sql.raw(statement).execute(db);
}
