/** Row types of every table: the single source of truth Kysely checks queries against. */
import type { Generated } from 'kysely';

/** 0/1 flags: one representation on SQLite and PostgreSQL. */
export type Flag = number;

export interface AccountRow {
  id: string;
  name: string;
  email: string;
  type: string;
  state: string;
  created_at: string;
  /** The REST API rate-limit tier: 'free', 'starter' or 'pro' (migration 0022; absent before it = 'free'). */
  tier?: string;
}
export interface UserRow {
  id: string;
  account_id: string;
  username: string;
  email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  state: string;
  created_at: string;
  /** Danube: 1 when the user may use the API (migration 0018; absent before it = 1). */
  api_access?: Flag;
  /** Extra profile fields as a JSON object, or null (migration 0020). */
  profile?: string | null;
}
export interface CredentialRow {
  id: string;
  account_id: string;
  user_id: string;
  kind: string;
  name: string;
  public_key: string;
  secret_enc: string | null;
  secret_hash: string | null;
  created_at: string;
  revoked_at: string | null;
  /** CVM token pairs: 1 when the pair may use the client API (null on rows older than 0003 = 1). */
  client_api?: Flag | null;
  /** When the credential stops working (login tokens), or null (migration 0018). */
  expires_at?: string | null;
}
/** A REST API token (migration 0022): Sanctum's `<id>|<secret>`, only the SHA-256 of the secret kept. */
export interface ApiTokenRow {
  id: Generated<number>;
  account_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** JSON array of permissions; `["*"]` = unrestricted. */
  permissions: string;
  last_used_at: string | null;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}
/** What an IAM API key may do (migration 0031), beside its credentials row; null columns = unrestricted. */
export interface IamApiKeyRow {
  credential_id: string;
  account_id: string;
  /** JSON array of operations (`compute/*`, `dns/listDnsDomains`), or null when the key may call every operation. */
  operations: string | null;
  /** JSON array of resources (`sos/bucket:NAME`), or null. */
  resources: string | null;
  created_at: string;
}
/** One fixed rate-limit window of an account (migration 0022): span 'minute' | 'hour' | 'day', start in unix seconds. */
export interface RateCounterRow {
  account_id: string;
  span: string;
  window_start: number;
  count: number;
}
export interface ZoneRow {
  id: string;
  name: string;
  description: string;
  network_type: string;
  created_at: string;
}
export interface HostRow {
  id: string;
  zone_id: string;
  name: string;
  state: string;
  driver: string;
  cpu_count: number;
  cpu_mhz: number;
  cpu_used_mhz: number;
  mem_total: number;
  mem_used: number;
  disk_total: number;
  disk_used: number;
  vm_count: number;
  details: string;
  created_at: string;
  /** The operator's note (0019). */
  note?: string | null;
}
export interface ServiceOfferingRow {
  id: string;
  name: string;
  display_text: string;
  cpu_number: number;
  cpu_speed: number;
  memory: number;
  authorized: Flag;
  host_tags: string | null;
  details: string | null;
  gpu: Flag;
  created_at: string;
}
export interface DiskOfferingRow {
  id: string;
  name: string;
  display_text: string;
  disk_size: number;
  customized: Flag;
  created_at: string;
}
export interface OsTypeRow {
  id: string;
  description: string;
  category_id: string;
  category_name: string;
}
export interface TemplateRow {
  id: string;
  account_id: string | null;
  zone_id: string | null;
  name: string;
  display_text: string;
  size: number;
  format: string;
  os_type_id: string;
  featured: Flag;
  public: Flag;
  ready: Flag;
  password_enabled: Flag;
  sshkey_enabled: Flag;
  checksum: string | null;
  url: string | null;
  details: string | null;
  boot_mode: string;
  template_type: string;
  state: string;
  created_at: string;
  removed_at: string | null;
}
export interface NetworkRow {
  id: string;
  account_id: string | null;
  zone_id: string;
  name: string;
  display_text: string;
  type: string;
  cidr: string;
  gateway: string | null;
  netmask: string;
  start_ip: string | null;
  end_ip: string | null;
  next_ip: number;
  managed: Flag;
  created_at: string;
  removed_at: string | null;
  /** Space-separated resolvers of an ElasticIP pool (migration 0005); null shows the gateway. */
  nameservers?: string | null;
  /** JSON NetworkSettings (VLAN, NIC tag, MTU, resolvers, DNS domain, alias; 0019); null = defaults. */
  settings?: string | null;
}
export interface IpLeaseRow {
  network_id: string;
  address: number;
  owner_id: string;
  /** A note on the address (0019). */
  note?: string | null;
  /** What the address is for, Danube's usage code (1 server, 2 other; 0019); null = by its owner. */
  usage_code?: number | null;
}
export interface VmRow {
  id: string;
  serial: number;
  account_id: string;
  zone_id: string;
  host_id: string | null;
  name: string;
  display_name: string;
  group_name: string | null;
  state: string;
  power: string;
  service_offering_id: string;
  template_id: string;
  cpu_number: number;
  cpu_speed: number;
  memory: number;
  keypair: string | null;
  userdata: string | null;
  password_enc: string | null;
  ha_enable: Flag;
  display_vm: Flag;
  root_disk_size: number;
  created_at: string;
  updated_at: string;
  removed_at: string | null;
  /** Free text about the VM, set when it is defined (0014). */
  note?: string | null;
  /** JSON object of string settings kept with a VM definition (0014). */
  settings?: string | null;
  /** The host placement tries first when the VM starts, set by a migration (0021); null = any. */
  home_host_id?: string | null;
}
export interface NicRow {
  id: string;
  vm_id: string;
  network_id: string;
  ip_address: string | null;
  ip6_address: string | null;
  mac_address: string;
  is_default: Flag;
  device_id: number;
  created_at: string;
  /** Set when the NIC's VM is removed (0009): live NICs have distinct MACs and IPv6 addresses. */
  removed_at?: string | null;
  /** The emulated NIC model of a defined VM (0014), e.g. virtio. */
  model?: string | null;
}
export interface NicSecondaryIpRow {
  id: string;
  nic_id: string;
  ip_address: string;
  created_at: string;
}
export interface VolumeRow {
  id: string;
  account_id: string;
  zone_id: string;
  name: string;
  type: string;
  size: number;
  disk_offering_id: string | null;
  template_id: string | null;
  vm_id: string | null;
  device_id: number | null;
  state: string;
  created_at: string;
  attached_at: string | null;
  removed_at: string | null;
  /** The disk bus model of a defined VM's disk (0014), e.g. virtio. */
  model?: string | null;
  /** Whether the VM boots from this disk (0014). */
  boot?: Flag | null;
}
export interface SnapshotRow {
  id: string;
  account_id: string;
  volume_id: string;
  name: string;
  state: string;
  size: number;
  volume_type: string;
  created_at: string;
  removed_at: string | null;
  /** A note (migration 0017; null on older rows). */
  note?: string | null;
  /** The disk schedule that took it (0017); null for a snapshot taken by hand. */
  definition_id?: string | null;
}
export interface SecurityGroupRow {
  id: string;
  account_id: string;
  name: string;
  description: string;
  created_at: string;
  /** REST firewall status: draft | active | applying | error (0024). */
  status?: string;
  /** What traffic no rule matches gets: deny | allow (0024). */
  default_action?: string;
  /** 1 for the firewall made with a VM (0024). */
  is_default?: number;
  updated_at?: string | null;
}
export interface SecurityRuleRow {
  id: string;
  group_id: string;
  account_id: string;
  direction: string;
  protocol: string;
  start_port: number | null;
  end_port: number | null;
  icmp_type: number | null;
  icmp_code: number | null;
  cidr: string | null;
  user_account: string | null;
  user_group: string | null;
  description: string | null;
  created_at: string;
  /** The firewall rule this row belongs to (one row per source CIDR); null = the row is a rule by itself (0024). */
  rule_key?: string | null;
  name?: string | null;
  /** allow | deny (0024). */
  action?: string;
  /** The rule's order as the caller gave it (0024). */
  position?: number | null;
  /** Submission index within its firewall times 1000 plus the source's index: the tie-break after position, and the order of sources (0024). */
  seq?: number | null;
}
export interface VmSecurityGroupRow {
  vm_id: string;
  group_id: string;
}
export interface AffinityGroupRow {
  id: string;
  account_id: string;
  name: string;
  type: string;
  description: string;
  created_at: string;
}
export interface VmAffinityGroupRow {
  vm_id: string;
  group_id: string;
}
export interface SshKeyRow {
  id: string;
  account_id: string;
  name: string;
  fingerprint: string;
  public_key: string;
  created_at: string;
}
export interface PublicIpRow {
  id: string;
  account_id: string;
  zone_id: string;
  address: string;
  address_num: number;
  vm_id: string | null;
  healthcheck: string | null;
  state: string;
  created_at: string;
}
export interface TagRow {
  id: string;
  account_id: string;
  resource_type: string;
  resource_id: string;
  key: string;
  value: string;
  customer: string | null;
  created_at: string;
}
export interface TaskRow {
  id: string;
  account_id: string;
  user_id: string | null;
  kind: string;
  object_type: string;
  object_id: string;
  exclusive: Flag;
  status: string;
  payload: string;
  result: string | null;
  error: string | null;
  origin: string;
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** When a cancel of the running task was asked for; its runner then settles it as REVOKED. */
  cancel_at: string | null;
}
export interface TaskLogRow {
  id: Generated<number>;
  task_id: string | null;
  account_id: string;
  user_id: string | null;
  object_type: string;
  object_id: string;
  action: string;
  status: string;
  detail: string | null;
  created_at: string;
}
/** A task callback: called once its task ends, retried with backoff until delivered or given up. */
export interface CallbackRow {
  id: string;
  task_id: string;
  account_id: string;
  user_id: string | null;
  url: string;
  method: string;
  format: string;
  /** JSON the renderer gets back (what the registering dialect knew then: its user and DC numbers, ...). */
  meta: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** Epoch ms: when the next attempt is due (also the lease of an attempt under way). */
  next_attempt_at: number;
  last_result: string | null;
  created_at: string;
  delivered_at: string | null;
}
/** An account's webhook configuration (0023): where its events go and the secret that signs them (encrypted). */
export interface WebhookConfigRow {
  account_id: string;
  url: string | null;
  enabled: Flag;
  secret_enc: string | null;
  created_at: string;
  updated_at: string;
}
/** One webhook event to deliver (0023): pending until a 2xx answer or the last attempt. */
export interface WebhookDeliveryRow {
  id: string;
  account_id: string;
  event: string;
  url: string;
  /** The exact JSON body sent. */
  payload: string;
  /** `sha256=<hex>` of the last attempt (null before the first). */
  signature: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** Epoch ms: when the next attempt is due (also the lease of an attempt under way). */
  next_attempt_at: number;
  response_status: number | null;
  response_body: string | null;
  error_message: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  created_at: string;
  updated_at: string;
}
export interface SimDomainRow {
  vm_id: string;
  host_id: string;
  power: string;
  started_at: string | null;
  boot_count: number;
}
export interface SimFaultRow {
  id: string;
  kind: string;
  host_id: string | null;
  vm_id: string | null;
  value: number;
  remaining: number;
  created_at: string;
}
/** Integer ids the CVM dialect shows for hosts ("host") and templates ("template"), assigned on first sight. */
/** Another name of an object under a naming scheme (0010): unique per object and per alias within (object_type, scheme). */
export interface AliasRow {
  object_type: string;
  object_id: string;
  scheme: string;
  alias: string;
}
/** Traffic limits and metered counters of a VM in bytes; total_limit 0 means split (in/out) accounting. */
export interface VmTrafficRow {
  vm_id: string;
  total_limit: number;
  in_limit: number;
  out_limit: number;
  in_used: number;
  out_used: number;
  in_last: number;
  out_last: number;
  last_host_id: string | null;
  updated_at: string;
}
export interface MetaRow {
  key: string;
  value: string;
}
export interface CounterRow {
  name: string;
  value: number;
}

/** CloudSigma-visible volume extras: I/O counters and drive attributes (migration 0004). */
export interface VolumeExtrasRow {
  volume_id: string;
  read_bytes: number;
  write_bytes: number;
  read_requests: number;
  write_requests: number;
  claim_type: string;
  readers: string;
  encryption: string;
  media: string;
  affinity: string;
}
/** Settings of a VM made by size (migration 0004), as a JSON object. */
export interface VmExtrasRow {
  vm_id: string;
  attrs: string;
}
/** A named set of an account's VMs (migration 0005). */
export interface ServerGroupRow {
  id: string;
  account_id: string;
  name: string;
  description: string;
  created_at: string;
}
export interface ServerGroupMemberRow {
  group_id: string;
  vm_id: string;
  position: number;
}
/** Billing state of an account: currency and balance in micro-units (migration 0005). */
export interface BillingAccountRow {
  account_id: string;
  currency: string;
  balance: number;
}
/** One charge or credit in micro-units; period_key makes metering idempotent per period. */
export interface BillingTransactionRow {
  id: string;
  account_id: string;
  created_at: string;
  description: string;
  amount: number;
  currency: string;
  period_key: string | null;
}
/** A prepaid subscription of a resource type for whole months. */
export interface BillingSubscriptionRow {
  id: string;
  account_id: string;
  type: string;
  quantity: number;
  resource: string | null;
  start_time: string;
  end_time: string;
  months: number;
  created_at: string;
}
/** One logged change of a VM's state, size, owner or removal (migration 0006, written by a trigger on vms). */
export interface VmUsageLogRow {
  seq: Generated<number>;
  vm_id: string;
  account_id: string;
  state: string;
  cpu_number: number;
  cpu_speed: number;
  memory: number;
  removed: Flag;
  at: string;
}
/** An operator's override of one quota of one account (migration 0008); max -1 = unlimited. */
export interface AccountLimitRow {
  account_id: string;
  name: string;
  max: number;
  updated_at: string;
}
/** A store-wide setting (migration 0007): the master key check value, the driver `serve` last ran with. */
export interface SettingRow {
  key: string;
  value: string;
}
/** A snapshot or backup schedule of one VM disk (migration 0017): fires at its cron times, keeps `retention` of its own. */
export interface DiskScheduleRow {
  id: string;
  account_id: string;
  kind: 'snapshot' | 'backup';
  vm_id: string;
  disk_index: number;
  name: string;
  schedule: string;
  retention: number;
  active: Flag;
  description: string;
  /** JSON object of settings a dialect keeps for it (Danube's backup node, zpool, compression...). */
  options: string;
  /** When it fires next (ISO); claimed by moving it forward with a conditional update. */
  next_run_at: string;
  created_at: string;
}
/** A copy of one VM disk's bytes kept apart from its volume (migration 0017). */
export interface BackupRow {
  id: string;
  account_id: string;
  vm_id: string;
  disk_index: number;
  volume_id: string;
  name: string;
  size: number;
  note: string;
  definition_id: string | null;
  state: string;
  created_at: string;
  removed_at: string | null;
}
/** The whole database as Kysely sees it. */
/** An API-level chaos rule (0028): which dialect and operation it hits, its kind, rate, parameters (JSON) and firings left (-1 = until cleared). */
export interface ChaosRuleRow {
  id: string;
  dialect: string;
  operation: string;
  kind: string;
  rate: number;
  params: string;
  remaining: number;
  account_id: string | null;
  created_at: string;
}
/** A per-operation sim delay (0028): the sim driver waits delay_ms ± jitter_ms for this operation instead of the global delay. */
export interface ChaosDelayRow {
  operation: string;
  delay_ms: number;
  jitter_ms: number;
  created_at: string;
}
/** The chaos generator's seed (0028, one row, id 1); epoch grows on every set, so setting the same seed again restarts the sequence. */
export interface ChaosSeedRow {
  id: number;
  seed: number;
  epoch: number;
}
/** The PTR name of a public address (0032): a VM's default NIC address (owner_type nic) or an elastic IP (public_ip). */
export interface ReverseDnsRow {
  /** The address in canonical text (IPv4 dotted quad, IPv6 RFC 5952). */
  address: string;
  account_id: string;
  owner_type: string;
  /** The NIC or public IP holding the address; its PTR goes when it releases the address. */
  owner_id: string;
  /** The PTR target, lower case, without the trailing dot. */
  domain_name: string;
  created_at: string;
  updated_at: string;
}
/** A hosted DNS domain (0030): a zone owned by one account, hosted once across Nube; serial is the SOA serial. */
export interface DnsDomainRow {
  id: Generated<number>;
  account_id: string;
  name: string;
  unicode_name: string;
  token_enc: string;
  serial: number;
  description: Generated<string>;
  created_at: string;
  updated_at: string;
}
/** A record of a hosted domain (0030): name relative to the zone ('' = apex), type, content as the API shows it. */
export interface DnsRecordRow {
  id: Generated<number>;
  domain_id: number;
  name: string;
  type: string;
  content: string;
  ttl: number;
  priority: number | null;
  /** 1: kept and listed, not served by the DNS server. */
  disabled: Generated<number>;
  created_at: string;
  updated_at: string;
}
/** An instance pool (0033): the settings its members are deployed with, its wanted size and its state. */
export interface InstancePoolRow {
  id: string;
  account_id: string;
  zone_id: string;
  name: string;
  description: string;
  size: number;
  service_offering_id: string;
  template_id: string;
  root_disk_gb: number | null;
  keypair: string | null;
  userdata: string | null;
  /** JSON arrays of ids. */
  security_group_ids: string;
  affinity_group_ids: string;
  network_ids: string;
  state: string;
  error: string | null;
  /** Member deploys that failed in a row; the reconciler stops deploying at a limit until the pool is changed. */
  failures: number;
  created_at: string;
  updated_at: string;
}
/** A VM an instance pool manages (0033); leaving = 1 once the pool destroys it (scale-down, pool destroy). */
export interface InstancePoolMemberRow {
  vm_id: string;
  pool_id: string;
  leaving: number;
  created_at: string;
}
export interface DB {
  accounts: AccountRow;
  users: UserRow;
  credentials: CredentialRow;
  zones: ZoneRow;
  hosts: HostRow;
  service_offerings: ServiceOfferingRow;
  disk_offerings: DiskOfferingRow;
  os_types: OsTypeRow;
  templates: TemplateRow;
  networks: NetworkRow;
  ip_leases: IpLeaseRow;
  vms: VmRow;
  nics: NicRow;
  nic_secondary_ips: NicSecondaryIpRow;
  volumes: VolumeRow;
  snapshots: SnapshotRow;
  security_groups: SecurityGroupRow;
  security_rules: SecurityRuleRow;
  vm_security_groups: VmSecurityGroupRow;
  affinity_groups: AffinityGroupRow;
  vm_affinity_groups: VmAffinityGroupRow;
  ssh_keys: SshKeyRow;
  public_ips: PublicIpRow;
  tags: TagRow;
  tasks: TaskRow;
  task_log: TaskLogRow;
  callbacks: CallbackRow;
  webhook_configs: WebhookConfigRow;
  webhook_deliveries: WebhookDeliveryRow;
  sim_domains: SimDomainRow;
  sim_faults: SimFaultRow;
  chaos_rules: ChaosRuleRow;
  chaos_delays: ChaosDelayRow;
  chaos_seed: ChaosSeedRow;
  meta: MetaRow;
  counters: CounterRow;
  volume_extras: VolumeExtrasRow;
  vm_extras: VmExtrasRow;
  aliases: AliasRow;
  vm_traffic: VmTrafficRow;
  server_groups: ServerGroupRow;
  server_group_members: ServerGroupMemberRow;
  billing_accounts: BillingAccountRow;
  billing_transactions: BillingTransactionRow;
  billing_subscriptions: BillingSubscriptionRow;
  vm_usage_log: VmUsageLogRow;
  account_limits: AccountLimitRow;
  settings: SettingRow;
  disk_schedules: DiskScheduleRow;
  backups: BackupRow;
  api_tokens: ApiTokenRow;
  rate_counters: RateCounterRow;
  iam_api_keys: IamApiKeyRow;
  reverse_dns: ReverseDnsRow;
  dns_domains: DnsDomainRow;
  dns_records: DnsRecordRow;
  instance_pools: InstancePoolRow;
  instance_pool_members: InstancePoolMemberRow;
}
