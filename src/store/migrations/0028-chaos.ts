/** Chaos: API-level fault rules, per-operation sim delays and the seed of the chaos generator, with their own data version. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { chaosVersionDdl } from '../chaos.js';

/** Adds chaos_rules, chaos_delays, chaos_seed and the triggers that bump the 'chaos' data version on any change to them. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('chaos_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('rate', 'double precision', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('remaining', 'bigint', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('chaos_delays')
    .addColumn('operation', 'text', (c) => c.primaryKey())
    .addColumn('delay_ms', 'bigint', (c) => c.notNull())
    .addColumn('jitter_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('chaos_seed')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .execute();
  for (const ddl of chaosVersionDdl(ctx.dialect)) await sql.raw(ddl).execute(db);
}
