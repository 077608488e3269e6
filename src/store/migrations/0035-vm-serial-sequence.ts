/** PostgreSQL: VM serials come from a sequence (store/vm-serials.ts), so concurrent creates do not queue on the counter row. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';
import { syncSerialSequence } from '../vm-serials.js';

/** Creates vm_serial_seq past the counter row and every serial held; nothing on SQLite. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  await sql`create sequence if not exists vm_serial_seq`.execute(db);
  await syncSerialSequence(db, ctx.dialect);
}
