/** Operator access to a VM's serial console, as captured by the compute driver. */
import type { CoreDeps } from '../deps.js';
import { invalid, notFound } from '../../lib/errors.js';
import { isUuid } from '../../lib/util.js';

/** A VM's console text (empty before its first boot). */
export interface VmConsole {
  vmId: string;
  name: string;
  driver: string;
  console: string;
}

/** Reads serial consoles for operators (admin endpoint, CLI); any account's VM, by id or unique name. */
export class VmConsoleService {
  constructor(private readonly deps: CoreDeps) {}

  /** The console of the VM with this id (or name); NotFound for removed or unknown VMs, Invalid when the driver keeps none. */
  async read(idOrName: string): Promise<VmConsole> {
    let q = this.deps.store.db.selectFrom('vms').select(['id', 'name']).where('removed_at', 'is', null);
    q = isUuid(idOrName) ? q.where('id', '=', idOrName) : q.where('name', '=', idOrName);
    const rows = await q.limit(2).execute();
    if (rows.length !== 1)
      throw rows.length === 0
        ? notFound('virtual machine', idOrName, 'vm')
        : invalid(`More than one VM is named ${idOrName}; use its id`, 'id');
    const vm = rows[0]!;
    const driver = this.deps.driver;
    if (!driver?.console)
      throw invalid(`The ${driver?.name ?? 'configured'} compute driver captures no serial console`, 'id');
    return { vmId: vm.id, name: vm.name, driver: driver.name, console: (await driver.console(vm.id)) ?? '' };
  }
}
