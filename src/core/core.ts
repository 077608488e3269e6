/** The core: every resource service built over one set of dependencies; dialects call only this. */
import type { CoreDeps } from './deps.js';
import { AccountService } from './accounts/service.js';
import { JobService } from './jobs/service.js';
import { VmService } from './vms/service.js';
import { VmLifecycle } from './vms/lifecycle.js';
import { VmNics } from './vms/nics.js';
import { HostService } from './hosts/service.js';
import { VolumeService } from './volumes/service.js';
import { SnapshotService } from './snapshots/service.js';
import { PublicIpService } from './ips/service.js';
import { NicService } from './ips/nics.js';
import { NetworkService } from './networks/service.js';
import { TagService } from './tags/service.js';
import { TemplateService } from './templates/service.js';
import { AccountUsage } from './accounts/usage.js';
import { FirewallService } from './firewalls/service.js';
import { AffinityService } from './affinity/service.js';
import { SshKeyService } from './ssh-keys/service.js';
import { CvmTokenService } from './accounts/cvm-tokens.js';
import { TrafficService } from './vms/traffic.js';
import { VmHold } from './vms/hold.js';
import { VpsService } from './vms/vps.js';
import { NodeService } from './hosts/nodes.js';
import { VolumeDataService } from './volumes/data.js';
import { SizedVmService } from './vms/sized.js';

/** All core services. */
export class Core {
  readonly accounts: AccountService;
  readonly catalog: CoreDeps['catalog'];
  readonly vms: VmService;
  readonly vmLifecycle: VmLifecycle;
  readonly vmNics: VmNics;
  readonly jobs: JobService;
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
  readonly cvmTokens: CvmTokenService;
  readonly traffic: TrafficService;
  readonly vmHold: VmHold;
  readonly vps: VpsService;
  readonly nodes: NodeService;
  readonly volumeData: VolumeDataService;
  readonly sizedVms: SizedVmService;

  constructor(readonly deps: CoreDeps) {
    this.accounts = new AccountService(deps.store, deps.secrets);
    this.catalog = deps.catalog;
    this.vms = new VmService(deps);
    this.vmLifecycle = new VmLifecycle(deps, this.vms);
    this.vmNics = new VmNics(deps, this.vms);
    this.jobs = new JobService(deps);
    this.hosts = new HostService(deps);
    this.volumes = new VolumeService(deps);
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
    this.cvmTokens = new CvmTokenService(deps.store);
    this.traffic = new TrafficService(deps);
    this.vmHold = new VmHold(deps);
    this.vps = new VpsService(deps, this.vms, this.vmLifecycle, this.jobs, this.traffic);
    this.nodes = new NodeService(deps);
    this.volumeData = new VolumeDataService(deps);
    this.sizedVms = new SizedVmService(deps, this.vms);
  }
}
