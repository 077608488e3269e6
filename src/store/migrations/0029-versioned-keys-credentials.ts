/** SSH keys, object numbers (aliases) and credentials bump the data version too: the REST list keeps rendered answers, and credential lookups are kept between changes. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { dataVersionDdl, VERSIONED_SINCE } from '../data-versions.js';

/** Creates the version triggers of the tables versioned since 0029. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  for (const ddl of dataVersionDdl(ctx.dialect, VERSIONED_SINCE['0029'])) await sql.raw(ddl).execute(db);
}
