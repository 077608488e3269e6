/** IAM API keys (CloudStack/Exoscale): what a key created by createApiKey may do, beside its credentials row. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { dataVersionDdl, VERSIONED_SINCE } from '../data-versions.js';

/**
 * Adds iam_api_keys (one row per IAM key, keyed by its credentials row: the operations and resources it is restricted
 * to, or null when unrestricted) and its data-version triggers, so a key's restrictions are re-read by the next request
 * after they change.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('iam_api_keys')
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('operations', 'text')
    .addColumn('resources', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('iam_api_keys_account').on('iam_api_keys').columns(['account_id']).execute();
  for (const ddl of dataVersionDdl(ctx.dialect, VERSIONED_SINCE['0031'])) await sql.raw(ddl).execute(db);
}
