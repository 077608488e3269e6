/** Per-volume extras the CloudSigma API shows: I/O counters and drive attributes (claim type, readers, cipher, media, affinity). */
import type { Kysely } from 'kysely';

/** Adds volume_extras, one optional row per volume. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('volume_extras')
    .addColumn('volume_id', 'text', (c) => c.primaryKey())
    .addColumn('read_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('write_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('read_requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('write_requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('claim_type', 'text', (c) => c.notNull().defaultTo('exclusive'))
    .addColumn('readers', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('encryption', 'text', (c) => c.notNull().defaultTo('aes-xts-plain'))
    .addColumn('media', 'text', (c) => c.notNull().defaultTo('disk'))
    .addColumn('affinity', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await upVmExtras(db);
}

/** Adds vm_extras: settings of a VM made by size (SMP mode, VNC, NIC models, boot devices) as one JSON object. */
async function upVmExtras(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('vm_extras')
    .addColumn('vm_id', 'text', (c) => c.primaryKey())
    .addColumn('attrs', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}
