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
  }
}
