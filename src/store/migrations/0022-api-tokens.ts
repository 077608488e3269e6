/** REST API tokens (Sanctum-style `<id>|<secret>`), account tiers and the shared rate-limit counters. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';

/**
 * Adds api_tokens (integer ids, only a SHA-256 of the secret kept), accounts.tier ('free' unless set; admin accounts
 * 'pro') and rate_counters (one row per account, window kind and window start, bumped atomically by every process).
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const table =
    ctx.dialect === 'postgres'
      ? db.schema.createTable('api_tokens').addColumn('id', 'bigserial', (c) => c.primaryKey())
      : db.schema.createTable('api_tokens').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await table
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_account').on('api_tokens').columns(['account_id', 'id']).execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('tier', 'text', (c) => c.notNull().defaultTo('free'))
    .execute();
  await sql`update accounts set tier = 'pro' where type = 'admin'`.execute(db);
  await db.schema
    .createTable('rate_counters')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('span', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_counters_pk', ['account_id', 'span', 'window_start'])
    .execute();
  await db.schema.createIndex('rate_counters_start').on('rate_counters').columns(['window_start']).execute();
}
