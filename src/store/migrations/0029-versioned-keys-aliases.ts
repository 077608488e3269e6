/** SSH keys and object numbers (aliases) bump the data version too, so the REST list can keep rendered answers. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { dataVersionDdl, VERSIONED_SINCE } from '../data-versions.js';

/** Creates the version triggers of aliases and ssh_keys. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  for (const ddl of dataVersionDdl(ctx.dialect, VERSIONED_SINCE['0029'])) await sql.raw(ddl).execute(db);
}
