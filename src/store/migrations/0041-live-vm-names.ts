/**
 * Live VM names get their own index, and PostgreSQL leaves room in the pages of rows updated in place.
 *
 * A create's name check (`account_id = ? and name = ? and removed_at is null`) matched vms_live_account_created on
 * its partial condition as well as vms_account_name on its columns; on PostgreSQL, before the table had statistics
 * (a burst of deploys into a new database), the planner took the partial one and filtered every VM of the account:
 * ~4 ms a check at 5,000 VMs instead of ~0.03 ms. An index on the name under the same condition wins either way.
 *
 * A VM's state, a volume's state and a VM's traffic counters change in place many times in a VM's life; with full
 * pages PostgreSQL writes each change as a new row version with new entries in every index (64 VMs set running:
 * ~3 ms). With 30% of each page free the new version stays on its page and the indexes are left alone (~0.9 ms).
 * Pages written before this migration keep their fill until rewritten.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';

/** Tables whose rows are updated in place often, with columns no index holds. */
const UPDATED_IN_PLACE = ['vms', 'volumes', 'vm_traffic'];

/** Replaces vms_account_name by vms_live_account_name; sets fillfactor 70 on UPDATED_IN_PLACE (PostgreSQL). */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('vms_live_account_name')
    .ifNotExists()
    .on('vms')
    .columns(['account_id', 'name'])
    .where(sql.ref('removed_at'), 'is', null)
    .execute();
  await db.schema.dropIndex('vms_account_name').ifExists().execute();
  if (ctx.dialect !== 'postgres') return;
  for (const table of UPDATED_IN_PLACE) await sql`alter table ${sql.table(table)} set (fillfactor = 70)`.execute(db);
}
