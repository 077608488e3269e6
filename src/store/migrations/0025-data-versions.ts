/** The data version row and the triggers that bump it whenever a row a cached read depends on changes. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { dataVersionDdl, VERSIONED_SINCE } from '../data-versions.js';

/** Creates data_versions and one trigger per versioned table. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  for (const ddl of dataVersionDdl(ctx.dialect, VERSIONED_SINCE['0025'])) await sql.raw(ddl).execute(db);
}
