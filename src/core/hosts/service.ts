/** Operator view of hosts and the sim driver's fault injection. */
import type { CoreDeps } from '../deps.js';
import type { HostRow, SimFaultRow } from '../../store/schema.js';
import { invalid, notFound } from '../../lib/errors.js';
import { FAULT_KINDS, addFault, clearFaults, listFaults, type FaultInput } from '../../drivers/compute/sim/faults.js';

/** Largest fault value (latency in ms: ten minutes). */
const MAX_FAULT_VALUE = 600_000;
/** Most operations one fault may affect (-1 means until cleared). */
const MAX_FAULT_COUNT = 1_000_000;

/** Hosts and faults, for admin tooling only. */
export class HostService {
  constructor(private readonly deps: CoreDeps) {}

  /** All hosts. */
  list(): Promise<HostRow[]> { return this.deps.catalog.listHosts(); }

  /** A host by id or name, or NotFound. */
  async find(idOrName: string): Promise<HostRow> {
    const h = (await this.list()).find((x) => x.id === idOrName || x.name === idOrName);
    if (!h) throw notFound('host', idOrName);
    return h;
  }

  /** Marks a host up or down (down hosts receive no new VMs). */
  async setState(idOrName: string, state: 'up' | 'down'): Promise<HostRow> {
    const h = await this.find(idOrName);
    await this.deps.store.db.updateTable('hosts').set({ state }).where('id', '=', h.id).execute();
    return { ...h, state };
  }

  /** Adds a sim fault after checking its target exists. */
  async addFault(f: FaultInput): Promise<SimFaultRow> {
    if (!(FAULT_KINDS as readonly string[]).includes(f.kind)) throw invalid(`kind must be one of ${FAULT_KINDS.join(', ')}`, 'kind');
    if (f.hostId) f = { ...f, hostId: (await this.find(f.hostId)).id };
    if (f.vmId) {
      const vms = await this.deps.store.db.selectFrom('vms').select('id').where('removed_at', 'is', null)
        .where((eb) => eb.or([eb('id', '=', f.vmId!), eb('name', '=', f.vmId!)])).limit(2).execute();
      if (vms.length === 0) throw notFound('virtual machine', f.vmId);
      if (vms.length > 1) throw invalid(`Several VMs are named ${f.vmId}; give the VM's id`, 'vm_id');
      f = { ...f, vmId: vms[0]!.id };
    }
    if (f.value !== undefined && (!Number.isSafeInteger(f.value) || f.value < 0 || f.value > MAX_FAULT_VALUE)) {
      throw invalid(`value must be a whole number from 0 to ${MAX_FAULT_VALUE}`, 'value');
    }
    if (f.count !== undefined && (!Number.isSafeInteger(f.count) || f.count === 0 || f.count < -1 || f.count > MAX_FAULT_COUNT)) {
      throw invalid(`count must be -1 (until cleared) or a whole number from 1 to ${MAX_FAULT_COUNT}`, 'count');
    }
    if (f.kind === 'latency' && !(Number(f.value) > 0)) throw invalid('latency needs a value in milliseconds', 'value');
    return addFault(this.deps.store.db, f);
  }

  /** Current faults. */
  listFaults(): Promise<SimFaultRow[]> { return listFaults(this.deps.store.db); }

  /** Clears one fault or all. */
  clearFaults(id?: string): Promise<number> { return clearFaults(this.deps.store.db, id); }
}
