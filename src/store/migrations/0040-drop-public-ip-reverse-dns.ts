/** public_ips.reverse_dns was never written: an address's reverse DNS lives in the reverse_dns table (migration 0032). */
import type { Kysely } from 'kysely';

/** Drops public_ips.reverse_dns (neither indexed nor constrained, so SQLite drops it in place as PostgreSQL does). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('public_ips').dropColumn('reverse_dns').execute();
}
