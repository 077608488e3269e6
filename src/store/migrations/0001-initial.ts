/** First schema: identity, catalog, compute, network, firewall, tags, tasks and the sim driver's state. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration-context.js';

/** Creates every table of the first release with the indexes the hot paths use. */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const text = 'text';
  const int = 'bigint';
  const t = (name: string) => db.schema.createTable(name);

  await t('meta')
    .addColumn('key', text, (c) => c.primaryKey())
    .addColumn('value', text, (c) => c.notNull())
    .execute();
  await t('counters')
    .addColumn('name', text, (c) => c.primaryKey())
    .addColumn('value', int, (c) => c.notNull())
    .execute();

  await t('accounts')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('email', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await t('users')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('username', text, (c) => c.notNull())
    .addColumn('email', text, (c) => c.notNull().unique())
    .addColumn('password_hash', text, (c) => c.notNull())
    .addColumn('first_name', text, (c) => c.notNull())
    .addColumn('last_name', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_account').on('users').column('account_id').execute();
  await db.schema.createIndex('users_username').on('users').column('username').unique().execute();
  await t('credentials')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('user_id', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('public_key', text, (c) => c.notNull())
    .addColumn('secret_enc', text)
    .addColumn('secret_hash', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('revoked_at', text)
    .execute();
  await db.schema.createIndex('credentials_key').on('credentials').columns(['kind', 'public_key']).unique().execute();

  await t('zones')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('network_type', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await t('hosts')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zone_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('driver', text, (c) => c.notNull())
    .addColumn('cpu_count', int, (c) => c.notNull())
    .addColumn('cpu_mhz', int, (c) => c.notNull())
    .addColumn('cpu_used_mhz', int, (c) => c.notNull())
    .addColumn('mem_total', int, (c) => c.notNull())
    .addColumn('mem_used', int, (c) => c.notNull())
    .addColumn('disk_total', int, (c) => c.notNull())
    .addColumn('disk_used', int, (c) => c.notNull())
    .addColumn('vm_count', int, (c) => c.notNull())
    .addColumn('details', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hosts_zone').on('hosts').column('zone_id').execute();

  await t('service_offerings')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('display_text', text, (c) => c.notNull())
    .addColumn('cpu_number', int, (c) => c.notNull())
    .addColumn('cpu_speed', int, (c) => c.notNull())
    .addColumn('memory', int, (c) => c.notNull())
    .addColumn('authorized', int, (c) => c.notNull())
    .addColumn('host_tags', text)
    .addColumn('details', text)
    .addColumn('gpu', int, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await t('disk_offerings')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('display_text', text, (c) => c.notNull())
    .addColumn('disk_size', int, (c) => c.notNull())
    .addColumn('customized', int, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await t('os_types')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('category_id', text, (c) => c.notNull())
    .addColumn('category_name', text, (c) => c.notNull())
    .execute();
  await t('templates')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text)
    .addColumn('zone_id', text)
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('display_text', text, (c) => c.notNull())
    .addColumn('size', int, (c) => c.notNull())
    .addColumn('format', text, (c) => c.notNull())
    .addColumn('os_type_id', text, (c) => c.notNull())
    .addColumn('featured', int, (c) => c.notNull())
    .addColumn('public', int, (c) => c.notNull())
    .addColumn('ready', int, (c) => c.notNull())
    .addColumn('password_enabled', int, (c) => c.notNull())
    .addColumn('sshkey_enabled', int, (c) => c.notNull())
    .addColumn('checksum', text)
    .addColumn('url', text)
    .addColumn('details', text)
    .addColumn('boot_mode', text, (c) => c.notNull())
    .addColumn('template_type', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('removed_at', text)
    .execute();
  await db.schema.createIndex('templates_account').on('templates').column('account_id').execute();

  await t('networks')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text)
    .addColumn('zone_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('display_text', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('cidr', text, (c) => c.notNull())
    .addColumn('gateway', text)
    .addColumn('netmask', text, (c) => c.notNull())
    .addColumn('start_ip', text)
    .addColumn('end_ip', text)
    .addColumn('next_ip', int, (c) => c.notNull())
    .addColumn('managed', int, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('removed_at', text)
    .execute();
  await db.schema.createIndex('networks_account').on('networks').column('account_id').execute();
  await t('ip_leases')
    .addColumn('network_id', text, (c) => c.notNull())
    .addColumn('address', int, (c) => c.notNull())
    .addColumn('owner_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('ip_leases_pk', ['network_id', 'address'])
    .execute();
  await db.schema.createIndex('ip_leases_owner').on('ip_leases').column('owner_id').execute();

  await t('vms')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('serial', int, (c) => c.notNull().unique())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('zone_id', text, (c) => c.notNull())
    .addColumn('host_id', text)
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('display_name', text, (c) => c.notNull())
    .addColumn('group_name', text)
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('power', text, (c) => c.notNull())
    .addColumn('service_offering_id', text, (c) => c.notNull())
    .addColumn('template_id', text, (c) => c.notNull())
    .addColumn('cpu_number', int, (c) => c.notNull())
    .addColumn('cpu_speed', int, (c) => c.notNull())
    .addColumn('memory', int, (c) => c.notNull())
    .addColumn('keypair', text)
    .addColumn('userdata', text)
    .addColumn('password_enc', text)
    .addColumn('ha_enable', int, (c) => c.notNull())
    .addColumn('display_vm', int, (c) => c.notNull())
    .addColumn('root_disk_size', int, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addColumn('removed_at', text)
    .execute();
  await db.schema.createIndex('vms_account_created').on('vms').columns(['account_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('vms_host').on('vms').column('host_id').execute();
  await db.schema.createIndex('vms_account_name').on('vms').columns(['account_id', 'name']).execute();
  await t('nics')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('vm_id', text, (c) => c.notNull())
    .addColumn('network_id', text, (c) => c.notNull())
    .addColumn('ip_address', text)
    .addColumn('ip6_address', text)
    .addColumn('mac_address', text, (c) => c.notNull())
    .addColumn('is_default', int, (c) => c.notNull())
    .addColumn('device_id', int, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nics_vm').on('nics').column('vm_id').execute();
  await db.schema.createIndex('nics_network').on('nics').column('network_id').execute();
  await t('nic_secondary_ips')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('nic_id', text, (c) => c.notNull())
    .addColumn('ip_address', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nic_secondary_ips_nic').on('nic_secondary_ips').column('nic_id').execute();

  await t('volumes')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('zone_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('size', int, (c) => c.notNull())
    .addColumn('disk_offering_id', text)
    .addColumn('template_id', text)
    .addColumn('vm_id', text)
    .addColumn('device_id', int)
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('attached_at', text)
    .addColumn('removed_at', text)
    .execute();
  await db.schema.createIndex('volumes_account').on('volumes').columns(['account_id', 'created_at']).execute();
  await db.schema.createIndex('volumes_vm').on('volumes').column('vm_id').execute();
  await t('snapshots')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('volume_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('size', int, (c) => c.notNull())
    .addColumn('volume_type', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('removed_at', text)
    .execute();
  await db.schema.createIndex('snapshots_account').on('snapshots').column('account_id').execute();
  await db.schema.createIndex('snapshots_volume').on('snapshots').column('volume_id').execute();

  await t('security_groups')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('security_groups_name')
    .on('security_groups')
    .columns(['account_id', 'name'])
    .unique()
    .execute();
  await t('security_rules')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('group_id', text, (c) => c.notNull())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('direction', text, (c) => c.notNull())
    .addColumn('protocol', text, (c) => c.notNull())
    .addColumn('start_port', int)
    .addColumn('end_port', int)
    .addColumn('icmp_type', int)
    .addColumn('icmp_code', int)
    .addColumn('cidr', text)
    .addColumn('user_account', text)
    .addColumn('user_group', text)
    .addColumn('description', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('security_rules_group').on('security_rules').column('group_id').execute();
  await t('vm_security_groups')
    .addColumn('vm_id', text, (c) => c.notNull())
    .addColumn('group_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('vm_security_groups_pk', ['vm_id', 'group_id'])
    .execute();
  await db.schema.createIndex('vm_security_groups_group').on('vm_security_groups').column('group_id').execute();
  await t('affinity_groups')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('affinity_groups_name')
    .on('affinity_groups')
    .columns(['account_id', 'name'])
    .unique()
    .execute();
  await t('vm_affinity_groups')
    .addColumn('vm_id', text, (c) => c.notNull())
    .addColumn('group_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('vm_affinity_groups_pk', ['vm_id', 'group_id'])
    .execute();
  await db.schema.createIndex('vm_affinity_groups_group').on('vm_affinity_groups').column('group_id').execute();
  await t('ssh_keys')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('fingerprint', text, (c) => c.notNull())
    .addColumn('public_key', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ssh_keys_name').on('ssh_keys').columns(['account_id', 'name']).unique().execute();

  await t('public_ips')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('zone_id', text, (c) => c.notNull())
    .addColumn('address', text, (c) => c.notNull())
    .addColumn('address_num', int, (c) => c.notNull())
    .addColumn('vm_id', text)
    .addColumn('reverse_dns', text)
    .addColumn('healthcheck', text)
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('public_ips_zone_addr')
    .on('public_ips')
    .columns(['zone_id', 'address_num'])
    .unique()
    .execute();
  await db.schema.createIndex('public_ips_account').on('public_ips').column('account_id').execute();

  await t('tags')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('resource_type', text, (c) => c.notNull())
    .addColumn('resource_id', text, (c) => c.notNull())
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addColumn('customer', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tags_resource_key').on('tags').columns(['resource_id', 'key']).unique().execute();
  await db.schema.createIndex('tags_account').on('tags').columns(['account_id', 'key']).execute();

  await t('tasks')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('user_id', text)
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('object_type', text, (c) => c.notNull())
    .addColumn('object_id', text, (c) => c.notNull())
    .addColumn('exclusive', int, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('payload', text, (c) => c.notNull())
    .addColumn('result', text)
    .addColumn('error', text)
    .addColumn('origin', text, (c) => c.notNull())
    .addColumn('attempts', int, (c) => c.notNull())
    .addColumn('lease_owner', text)
    .addColumn('lease_until', int)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('started_at', text)
    .addColumn('finished_at', text)
    .execute();
  await db.schema.createIndex('tasks_account').on('tasks').columns(['account_id', 'created_at']).execute();
  await db.schema.createIndex('tasks_object').on('tasks').column('object_id').execute();
  await db.schema
    .createIndex('tasks_open')
    .on('tasks')
    .columns(['status', 'lease_until'])
    .where(sql.ref('status'), 'in', ['PENDING', 'STARTED'])
    .execute();
  // One writer per object: at most one open exclusive task per object, enforced by the database itself.
  await db.schema
    .createIndex('tasks_one_writer')
    .on('tasks')
    .column('object_id')
    .unique()
    .where(sql<boolean>`status in ('PENDING', 'STARTED') and exclusive = 1`)
    .execute();
  const logId =
    ctx.dialect === 'postgres'
      ? t('task_log').addColumn('id', 'bigserial', (c) => c.primaryKey())
      : t('task_log').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await logId
    .addColumn('task_id', text)
    .addColumn('account_id', text, (c) => c.notNull())
    .addColumn('user_id', text)
    .addColumn('object_type', text, (c) => c.notNull())
    .addColumn('object_id', text, (c) => c.notNull())
    .addColumn('action', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('detail', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('task_log_account').on('task_log').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('task_log_task').on('task_log').column('task_id').execute();

  await t('sim_domains')
    .addColumn('vm_id', text, (c) => c.primaryKey())
    .addColumn('host_id', text, (c) => c.notNull())
    .addColumn('power', text, (c) => c.notNull())
    .addColumn('started_at', text)
    .addColumn('boot_count', int, (c) => c.notNull())
    .execute();
  await t('sim_faults')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('host_id', text)
    .addColumn('vm_id', text)
    .addColumn('value', int, (c) => c.notNull())
    .addColumn('remaining', int, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
}
