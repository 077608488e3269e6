/** Burst metering history: every change of a VM's state, size, owner or removal is logged, with its time, by a trigger. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';

/** Columns of vms whose change is logged. */
const WATCHED = ['state', 'cpu_number', 'cpu_speed', 'memory', 'removed_at', 'account_id'];

/**
 * Adds vm_usage_log and the triggers that fill it on every insert into vms and every update that changes a watched
 * column, in the same transaction as the change. The time of a change is the row's new updated_at (what the code
 * that made the change set), or the database clock when updated_at did not move. Live VMs are logged once now.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const seq =
    ctx.dialect === 'postgres'
      ? db.schema.createTable('vm_usage_log').addColumn('seq', 'bigserial', (c) => c.primaryKey())
      : db.schema.createTable('vm_usage_log').addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
  await seq
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('cpu_number', 'bigint', (c) => c.notNull())
    .addColumn('cpu_speed', 'bigint', (c) => c.notNull())
    .addColumn('memory', 'bigint', (c) => c.notNull())
    .addColumn('removed', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vm_usage_log_vm').on('vm_usage_log').columns(['vm_id', 'at']).execute();
  await db.schema.createIndex('vm_usage_log_at').on('vm_usage_log').columns(['at']).execute();
  await sql`insert into vm_usage_log (vm_id, account_id, state, cpu_number, cpu_speed, memory, removed, at)
    select id, account_id, state, cpu_number, cpu_speed, memory, 0, updated_at from vms where removed_at is null`.execute(
    db,
  );
  const values = (at: string) => `(new.id, new.account_id, new.state, new.cpu_number, new.cpu_speed, new.memory,
    case when new.removed_at is null then 0 else 1 end, ${at})`;
  const insert = `insert into vm_usage_log (vm_id, account_id, state, cpu_number, cpu_speed, memory, removed, at) values`;
  const changed = WATCHED.map((c) => `new.${c} is distinct from old.${c}`).join(' or ');
  if (ctx.dialect === 'postgres') {
    const clock = `to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await sql
      .raw(
        `create function nube_vm_usage_log() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          ${insert} ${values('new.updated_at')};
        elsif ${changed} then
          ${insert} ${values(`case when new.updated_at is distinct from old.updated_at then new.updated_at else ${clock} end`)};
        end if;
        return null;
      end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger vm_usage_log after insert or update of ${WATCHED.join(', ')} on vms
      for each row execute function nube_vm_usage_log()`,
      )
      .execute(db);
    return;
  }
  const clock = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  await sql
    .raw(`create trigger vm_usage_log_insert after insert on vms begin ${insert} ${values('new.updated_at')}; end`)
    .execute(db);
  await sql
    .raw(
      `create trigger vm_usage_log_update after update of ${WATCHED.join(', ')} on vms
    when ${changed.replaceAll('is distinct from', 'is not')}
    begin ${insert} ${values(`case when new.updated_at is not old.updated_at then new.updated_at else ${clock} end`)}; end`,
    )
    .execute(db);
}
