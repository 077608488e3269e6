/** Operator view of hosts and of the compute driver's fault injection (the sim driver offers it). */
import type { CoreDeps } from '../deps.js';
import type { HostRow } from '../../store/schema.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import type { Fault, FaultControl, FaultInput } from '../../drivers/compute/driver.js';

/** Largest fault value (latency in ms: ten minutes). */
const MAX_FAULT_VALUE = 600_000;
/** Most operations one fault may affect (-1 means until cleared). */
const MAX_FAULT_COUNT = 1_000_000;

/** Hosts and faults, for admin tooling only; their changes belong to no account, so they leave no task in any account's task log. */
export class HostService {
  constructor(private readonly deps: CoreDeps) {}

  /** All hosts. */
  list(): Promise<HostRow[]> {
    return this.deps.catalog.listHosts();
  }

  /** A host by id or name, or NotFound. */
  async find(idOrName: string): Promise<HostRow> {
    const h = (await this.list()).find((x) => x.id === idOrName || x.name === idOrName);
    if (!h) throw notFound('host', idOrName, 'object');
    return h;
  }

  /** Marks a host up or down (down hosts receive no new VMs). */
  async setState(idOrName: string, state: 'up' | 'down'): Promise<HostRow> {
    const h = await this.find(idOrName);
    await this.deps.store.db.updateTable('hosts').set({ state }).where('id', '=', h.id).execute();
    return { ...h, state };
  }

  /** Adds a fault after checking its kind, its target and its bounds. */
  async addFault(f: FaultInput): Promise<Fault> {
    const faults = this.faultControl();
    if (!faults.kinds.includes(f.kind)) throw invalid(`kind must be one of ${faults.kinds.join(', ')}`, 'kind');
    if (f.hostId) f = { ...f, hostId: (await this.find(f.hostId)).id };
    if (f.vmId) {
      const vms = await this.deps.store.db
        .selectFrom('vms')
        .select('id')
        .where('removed_at', 'is', null)
        .where((eb) => eb.or([eb('id', '=', f.vmId!), eb('name', '=', f.vmId!)]))
        .limit(2)
        .execute();
      if (vms.length === 0) throw notFound('virtual machine', f.vmId, 'vm');
      if (vms.length > 1) throw invalid(`Several VMs are named ${f.vmId}; give the VM's id`, 'vmId');
      f = { ...f, vmId: vms[0]!.id };
    }
    if (f.value !== undefined && (!Number.isSafeInteger(f.value) || f.value < 0 || f.value > MAX_FAULT_VALUE)) {
      throw invalid(`value must be a whole number from 0 to ${MAX_FAULT_VALUE}`, 'value');
    }
    if (
      f.count !== undefined &&
      (!Number.isSafeInteger(f.count) || f.count === 0 || f.count < -1 || f.count > MAX_FAULT_COUNT)
    ) {
      throw invalid(`count must be -1 (until cleared) or a whole number from 1 to ${MAX_FAULT_COUNT}`, 'count');
    }
    if (f.kind === 'latency' && !(Number(f.value) > 0)) throw invalid('latency needs a value in milliseconds', 'value');
    return faults.add(f);
  }

  /** Current faults. */
  async listFaults(): Promise<Fault[]> {
    return this.faultControl().list();
  }

  /** Clears one fault or all. */
  async clearFaults(id?: string): Promise<number> {
    return this.faultControl().clear(id);
  }

  /** The driver's fault injection, or Conflict when the running driver has none. */
  private faultControl(): FaultControl {
    const driver = this.deps.driver;
    if (!driver?.faults)
      throw conflict(
        `The ${driver?.name ?? 'running'} driver has no fault injection; faults need the sim driver (NUBE_DRIVER=sim)`,
        'wrong_state',
      );
    return driver.faults;
  }
}
