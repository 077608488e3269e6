/** A second data version that only the identity tables bump: credential lookups and aliases stay cached while VMs are written. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { dataVersionDdl, IDENTITY_TABLES } from '../data-versions.js';

/** Creates the 'identity' version row and its triggers on the identity tables. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  for (const ddl of dataVersionDdl(ctx.dialect, IDENTITY_TABLES, 'identity')) await sql.raw(ddl).execute(db);
}
