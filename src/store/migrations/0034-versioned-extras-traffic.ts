/** Server settings, drive attributes and traffic counters bump the data version too: CloudSigma's and CVM's lists keep rendered answers. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { dataVersionDdl, VERSIONED_SINCE } from '../data-versions.js';

/** Creates the version triggers of the tables versioned since 0034. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  for (const ddl of dataVersionDdl(ctx.dialect, VERSIONED_SINCE['0034'])) await sql.raw(ddl).execute(db);
}
