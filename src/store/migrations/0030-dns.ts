/** Hosted DNS: domains (zones) owned by accounts, each with a SOA serial and a sealed token, and their records. */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';

/**
 * Adds dns_domains (integer ids; a name is hosted once across Nube; the SOA serial moves with every change of the zone)
 * with a free-text description, and dns_records (integer ids; the name relative to the zone, '' for the apex; a disabled
 * record is kept and listed but not served).
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const pg = ctx.dialect === 'postgres';
  const domains = pg
    ? db.schema.createTable('dns_domains').addColumn('id', 'bigserial', (c) => c.primaryKey())
    : db.schema.createTable('dns_domains').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await domains
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('unicode_name', 'text', (c) => c.notNull())
    .addColumn('token_enc', 'text', (c) => c.notNull())
    .addColumn('serial', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dns_domains_account').on('dns_domains').columns(['account_id', 'name']).execute();
  const records = pg
    ? db.schema.createTable('dns_records').addColumn('id', 'bigserial', (c) => c.primaryKey())
    : db.schema.createTable('dns_records').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await records
    .addColumn('domain_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('ttl', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dns_records_domain').on('dns_records').columns(['domain_id', 'name']).execute();
}
