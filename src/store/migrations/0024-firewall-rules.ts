/** Firewalls as the REST API shows them: a status, a default action and a default flag on security groups; a name, action, order and grouping key on their rules. */
import type { Kysely } from 'kysely';

/** Adds the firewall columns; existing CloudStack groups read as active, deny-by-default, not a VM's default, and their rules as allow rules. */
export async function up(db: Kysely<any>): Promise<void> {
  const groups = () => db.schema.alterTable('security_groups');
  await groups()
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .execute();
  await groups()
    .addColumn('default_action', 'text', (c) => c.notNull().defaultTo('deny'))
    .execute();
  await groups()
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await groups().addColumn('updated_at', 'text').execute();
  const rules = () => db.schema.alterTable('security_rules');
  await rules().addColumn('rule_key', 'text').execute();
  await rules().addColumn('name', 'text').execute();
  await rules()
    .addColumn('action', 'text', (c) => c.notNull().defaultTo('allow'))
    .execute();
  await rules().addColumn('position', 'integer').execute();
  await rules().addColumn('seq', 'integer').execute();
  await db.schema.createIndex('security_rules_key').on('security_rules').column('rule_key').execute();
}
