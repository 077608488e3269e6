/** Danube identity: credentials that expire (login tokens) and a per-user switch for API access. */
import type { Kysely } from 'kysely';

/** Adds credentials.expires_at (null = never) and users.api_access (1 = may use the API; existing users may). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('expires_at', 'text').execute();
  await db.schema
    .alterTable('users')
    .addColumn('api_access', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
