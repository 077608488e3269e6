/** The core: every resource service built over one set of dependencies; dialects call only this. */
import type { CoreDeps } from './deps.js';
import { AccountService } from './accounts/service.js';
import { JobService } from './jobs/service.js';
import { VmService } from './vms/service.js';
import { VmLifecycle } from './vms/lifecycle.js';
import { HostService } from './hosts/service.js';

/** All core services. */
export class Core {
  readonly accounts: AccountService;
  readonly catalog: CoreDeps['catalog'];
  readonly vms: VmService;
  readonly vmLifecycle: VmLifecycle;
  readonly jobs: JobService;
  readonly hosts: HostService;

  constructor(readonly deps: CoreDeps) {
    this.accounts = new AccountService(deps.store, deps.secrets);
    this.catalog = deps.catalog;
    this.vms = new VmService(deps);
    this.vmLifecycle = new VmLifecycle(deps, this.vms);
    this.jobs = new JobService(deps);
    this.hosts = new HostService(deps);
  }
}
