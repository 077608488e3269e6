/** The core: every resource service built over one set of dependencies; dialects call only this. */
import type { CoreDeps } from './deps.js';
import { AccountService } from './accounts/service.js';
import { JobService } from './tasks-log/jobs.js';
import { TaskLogService } from './tasks-log/service.js';
import { VmService } from './vms/service.js';
import { HostService } from './hosts/service.js';
import { VolumeService } from './volumes/service.js';
import { SnapshotService } from './snapshots/service.js';
import { PublicIpService } from './ips/service.js';
import { NicService } from './nics/service.js';
import { NetworkService } from './networks/service.js';
import { TagService } from './tags/service.js';
import { TemplateService } from './templates/service.js';
import { AccountUsage } from './accounts/usage.js';
import { FirewallService } from './firewalls/service.js';
import { AffinityService } from './affinity/service.js';
import { SshKeyService } from './ssh-keys/service.js';
import { Credentials } from './credentials/index.js';
import { TrafficService } from './vms/traffic.js';
import { VmHold } from './vms/hold.js';
import { NodeService } from './hosts/nodes.js';
import { IpPoolService } from './ips/pools.js';
import { ServerGroupService } from './server-groups/service.js';
import { BillingService } from './billing/service.js';
import { VmConsoleService } from './vms/console.js';
import { AuthThrottle } from './accounts/throttle.js';
import { hashPool } from './accounts/hash-pool.js';
import { QuotaService } from './quotas/service.js';
import { StatsService } from './stats.js';
import { CallbackService } from './callbacks/service.js';
import { WebhookService } from './webhooks/service.js';
import { BackupService } from './backups/service.js';
import { ScheduleService } from './schedules/service.js';
import { VmSnapshotService } from './snapshots/vm-snapshots.js';
import { AliasService } from './aliases/service.js';
import { HostInventory } from './hosts/inventory.js';
import { NetworkAddressService } from './networks/addresses.js';
import { TemplateImport } from './templates/import.js';
import { UserService } from './accounts/users.js';
import { guardServices } from './permissions.js';
import { VmMetricsService } from './vms/metrics.js';
import { RateLimitService } from './rate-limits/service.js';
import { ChaosService } from './chaos/service.js';
import { StateService } from './state/service.js';
import { IamService } from './iam/service.js';
import { ReverseDnsService } from './reverse-dns/service.js';
import { DnsService } from './dns/service.js';
import { InstancePoolService } from './instance-pools/service.js';

/** The services a restricted caller reaches only through the permission guard (the others take no CallContext). */
const GUARDED = [
  'vms',
  'jobs',
  'tasks',
  'hosts',
  'volumes',
  'snapshots',
  'ips',
  'nics',
  'networks',
  'tags',
  'templates',
  'usage',
  'firewalls',
  'affinity',
  'sshKeys',
  'traffic',
  'vmHold',
  'nodes',
  'ipPools',
  'serverGroups',
  'billing',
  'vmConsole',
  'quotas',
  'callbacks',
  'webhooks',
  'backups',
  'schedules',
  'vmSnapshots',
  'aliases',
  'hostInventory',
  'networkAddresses',
  'templateImport',
  'users',
  'vmMetrics',
  'iam',
  'reverseDns',
  'dns',
  'instancePools',
] as const;

/** All core services. */
export class Core {
  readonly accounts: AccountService;
  readonly credentials: Credentials;
  readonly catalog: CoreDeps['catalog'];
  readonly vms: VmService;
  readonly jobs: JobService;
  /** The task log: every task's and synchronous change's entries. */
  readonly tasks: TaskLogService;
  readonly hosts: HostService;
  readonly volumes: VolumeService;
  readonly snapshots: SnapshotService;
  readonly ips: PublicIpService;
  readonly nics: NicService;
  readonly networks: NetworkService;
  readonly tags: TagService;
  readonly templates: TemplateService;
  readonly usage: AccountUsage;
  readonly firewalls: FirewallService;
  readonly affinity: AffinityService;
  readonly sshKeys: SshKeyService;
  readonly traffic: TrafficService;
  readonly vmHold: VmHold;
  readonly nodes: NodeService;
  readonly ipPools: IpPoolService;
  readonly serverGroups: ServerGroupService;
  readonly billing: BillingService;
  readonly vmConsole: VmConsoleService;
  readonly quotas: QuotaService;
  readonly stats: StatsService;
  /** Task callbacks: registered by dialects, delivered from the database by a worker started with the engine. */
  readonly callbacks: CallbackService;
  /** Webhooks: one configuration per account; events queued when changes commit, delivered by a worker started with the engine. */
  readonly webhooks: WebhookService;
  readonly backups: BackupService;
  /** Snapshot and backup definitions (cron schedules) per VM disk. */
  readonly schedules: ScheduleService;
  /** The same snapshots by VM, disk index and name. */
  readonly vmSnapshots: VmSnapshotService;
  /** Numbered aliases of objects for dialects that name them by integers. */
  readonly aliases: AliasService;
  /** Hosts as operators manage them: status, maintenance, notes, VMs. */
  readonly hostInventory: HostInventory;
  /** The leased, reserved and gateway addresses of networks. */
  readonly networkAddresses: NetworkAddressService;
  /** Images imported from manifests over the guarded outbound path. */
  readonly templateImport: TemplateImport;
  /** Users as their callers manage them (SuperAdmin, account owner, themselves). */
  readonly users: UserService;
  /** VMs' live usage as rates (CPU percent, bytes per second). */
  readonly vmMetrics: VmMetricsService;
  /** REST API request limits per account tier, shared by every process on the database. */
  readonly rateLimits: RateLimitService;
  /** API-level fault rules, per-operation sim delays and the seed every chaos draw comes from (operator tooling). */
  readonly chaos: ChaosService;
  /** Reset, save and load of the whole state (the admin API and `nube reset` / `nube state`). */
  readonly state: StateService;
  /** IAM API keys: CloudStack key pairs that may be restricted to operations, which the permission guard enforces. */
  readonly iam: IamService;
  /** PTR names of public addresses (VMs' default NICs, elastic IPs); `ptr(address)` answers the authoritative DNS server. */
  readonly reverseDns: ReverseDnsService;
  /** Hosted DNS domains and records; the DNS server answers from them. */
  readonly dns: DnsService;
  /** Pools of identical VMs that a durable reconciler keeps at their size. */
  readonly instancePools: InstancePoolService;

  /**
   * The committed data version, or undefined when it cannot be read without waiting: answers cached under it are never
   * stale. since: when the caller's request arrived (performance.now()), for a request that wrote nothing.
   */
  dataVersion(since?: number): Promise<number | undefined> {
    return this.deps.store.dataVersion(undefined, since);
  }

  /** The committed data version when known without waiting (on PostgreSQL: from a read sent at or after since), else undefined: for synchronous fast paths. */
  dataVersionNow(since?: number): number | undefined {
    return this.deps.store.dataVersionNow(undefined, since);
  }

  /** Marks the start of a request: the data version is read afresh for it, so commits of other processes made before it arrived are seen. */
  requestStarted(): void {
    this.deps.store.requestBegins();
  }

  constructor(readonly deps: CoreDeps) {
    const auth = deps.config.auth;
    hashPool.configure(auth.hashThreads, auth.hashQueue);
    const throttle = new AuthThrottle(auth);
    this.credentials = new Credentials(deps.store, deps.secrets, throttle);
    this.rateLimits = new RateLimitService(deps.store, deps.config.rateLimits);
    this.accounts = new AccountService(deps.store, this.credentials, (id) => this.rateLimits.forget(id));
    this.catalog = deps.catalog;
    this.jobs = new JobService(deps);
    this.tasks = new TaskLogService(deps);
    this.hosts = new HostService(deps);
    this.volumes = new VolumeService(deps);
    this.vms = new VmService(deps, this.volumes);
    this.snapshots = new SnapshotService(deps, this.volumes);
    this.ips = new PublicIpService(deps);
    this.nics = new NicService(deps, this.vms);
    this.networks = new NetworkService(deps);
    this.tags = new TagService(deps);
    this.templates = new TemplateService(deps);
    this.usage = new AccountUsage(deps);
    this.firewalls = new FirewallService(deps);
    this.affinity = new AffinityService(deps);
    this.sshKeys = new SshKeyService(deps);
    this.traffic = new TrafficService(deps);
    this.vmHold = new VmHold(deps);
    this.nodes = new NodeService(deps);
    this.ipPools = new IpPoolService(deps);
    this.serverGroups = new ServerGroupService(deps);
    this.billing = new BillingService(deps, this.ips, this.networks);
    this.vmConsole = new VmConsoleService(deps);
    this.quotas = new QuotaService(deps);
    this.stats = new StatsService(deps.store);
    this.callbacks = new CallbackService(deps);
    this.webhooks = new WebhookService(deps);
    this.backups = new BackupService(deps);
    this.schedules = new ScheduleService(deps);
    this.vmSnapshots = new VmSnapshotService(deps, this.snapshots);
    this.aliases = new AliasService(deps.store);
    this.hostInventory = new HostInventory(deps);
    this.networkAddresses = new NetworkAddressService(deps);
    this.templateImport = new TemplateImport(deps);
    this.users = new UserService(deps.store, this.credentials, this.accounts);
    this.vmMetrics = new VmMetricsService(deps, this.vms);
    this.chaos = new ChaosService(deps.store, this.accounts, deps.chaos);
    this.state = new StateService(deps, this.accounts, this.volumes);
    this.iam = new IamService(deps, this.credentials);
    this.reverseDns = new ReverseDnsService(deps);
    this.dns = new DnsService(deps);
    this.instancePools = new InstancePoolService(deps);
    guardServices(this, GUARDED);
  }
}
