/** CloudSigma completion: nameservers of IP pools, server groups, and billing (accounts, transactions, subscriptions). */
import type { Kysely } from 'kysely';

/** Adds networks.nameservers, server_groups, server_group_members and the billing tables. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('networks').addColumn('nameservers', 'text').execute();
  await db.schema
    .createTable('server_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('server_groups_account').on('server_groups').columns(['account_id']).execute();
  await db.schema
    .createTable('server_group_members')
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('server_group_members_pk', ['group_id', 'vm_id'])
    .execute();
  await db.schema
    .createTable('billing_accounts')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('billing_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text')
    .execute();
  await db.schema
    .createIndex('billing_transactions_period')
    .on('billing_transactions')
    .columns(['account_id', 'period_key'])
    .unique()
    .execute();
  await db.schema
    .createIndex('billing_transactions_account')
    .on('billing_transactions')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('billing_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('resource', 'text')
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text', (c) => c.notNull())
    .addColumn('months', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('billing_subscriptions_account')
    .on('billing_subscriptions')
    .columns(['account_id', 'end_time'])
    .execute();
}
