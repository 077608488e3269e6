/** Reverse DNS: one PTR name per public address (a VM's default NIC address, IPv4 or IPv6, or an elastic IP), owned by the address's account. */
import type { Kysely } from 'kysely';

/** Adds reverse_dns, keyed by the address in canonical text so the DNS server answers a PTR query with one indexed read. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reverse_dns')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('domain_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reverse_dns_owner').on('reverse_dns').column('owner_id').execute();
}
