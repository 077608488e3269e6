/** VM migration: checks the VM and the target host, then enqueues the vm.migrate task that moves the VM. */
import type { Q } from '../../store/db.js';
import type { HostRow, VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, unavailable } from '../../lib/errors.js';
import { enqueueTask } from '../../tasks/queue.js';
import type { TaskReceipt } from '../receipt.js';
import { vmRow } from './rows.js';

const MIB = 1024 * 1024;
const MOVABLE = ['running', 'stopped'];
const BUSY = ['creating', 'starting', 'stopping', 'rebooting', 'restoring', 'destroying'];
const NO_OTHER = 'No other node with free resources in this zone';

/** Whether the host has room for the VM's memory and CPU, as placement counts them. */
function hostFits(h: HostRow, vm: VmRow): boolean {
  const mem = Number(vm.memory) * MIB;
  const mhz = Number(vm.cpu_number) * Number(vm.cpu_speed);
  return (
    Number(h.mem_used) + mem <= Number(h.mem_total) &&
    Number(h.cpu_used_mhz) + mhz <= Number(h.cpu_count) * Number(h.cpu_mhz) * 4
  );
}

/** The host a VM sits on: the one it runs on, else the one it returns to. */
const currentHost = (vm: VmRow): string | null => vm.host_id ?? vm.home_host_id ?? null;

/** Moves a running or stopped VM to another host of its zone: the named one, or the one placement would choose. */
export async function migrateVm(
  deps: CoreDeps,
  ctx: CallContext,
  id: string,
  opts: { hostId?: string } = {},
): Promise<TaskReceipt> {
  const unreachable = new Set((await deps.driver?.unreachableHosts()) ?? []);
  const taskId = await deps.store.tx(async (trx) => {
    const vm = await vmRow(trx, ctx, id);
    if (!MOVABLE.includes(vm.state)) {
      throw BUSY.includes(vm.state)
        ? conflict(
            `The virtual machine is busy (${vm.state}); try again when the current operation has finished`,
            'busy',
          )
        : conflict(`Cannot migrate a virtual machine that is ${vm.state}`, 'wrong_state');
    }
    const target = await targetHost(trx, vm, opts.hostId, unreachable);
    return enqueueTask(deps.store, trx, {
      kind: 'vm.migrate',
      objectType: 'virtual machine',
      objectId: id,
      payload: { hostId: target.id, from: vm.state, source: currentHost(vm) },
      ctx,
    });
  });
  deps.tasks.wake();
  return { taskId, objectId: id };
}

/** Hosts where another member of one of the VM's anti-affinity groups runs: the VM may not move there. */
async function groupHosts(q: Q, vm: VmRow): Promise<Set<string>> {
  const rows = await q
    .selectFrom('vm_affinity_groups as mine')
    .innerJoin('vm_affinity_groups as g', 'g.group_id', 'mine.group_id')
    .innerJoin('vms', 'vms.id', 'g.vm_id')
    .select('vms.host_id')
    .where('mine.vm_id', '=', vm.id)
    .where('vms.id', '!=', vm.id)
    .where('vms.host_id', 'is not', null)
    .execute();
  return new Set(rows.map((r) => r.host_id!));
}

/** The named host after checking it, or the least used other host of the zone with room for the VM. */
async function targetHost(q: Q, vm: VmRow, hostId: string | undefined, unreachable: Set<string>): Promise<HostRow> {
  const current = currentHost(vm);
  const taken = await groupHosts(q, vm);
  if (hostId) {
    const h = await q.selectFrom('hosts').selectAll().where('id', '=', hostId).executeTakeFirst();
    if (!h || h.zone_id !== vm.zone_id) throw invalid('The host is not in the zone of the virtual machine', 'hostId');
    if (h.id === current) throw conflict('The virtual machine already runs on this host', 'precondition');
    if (h.state !== 'up' || unreachable.has(h.id))
      throw unavailable(`Host ${h.name} is not up and reachable`, 'unreachable');
    if (!hostFits(h, vm))
      throw unavailable(`Host ${h.name} has no free resources for the virtual machine`, 'no_capacity');
    if (taken.has(h.id))
      throw conflict(`Host ${h.name} runs another member of the VM's anti-affinity groups`, 'precondition');
    return h;
  }
  const hosts = await q
    .selectFrom('hosts')
    .selectAll()
    .where('zone_id', '=', vm.zone_id)
    .where('state', '=', 'up')
    .orderBy('mem_used')
    .orderBy('name')
    .execute();
  const h = hosts.find((x) => x.id !== current && !unreachable.has(x.id) && !taken.has(x.id) && hostFits(x, vm));
  if (!h) throw unavailable(NO_OTHER, 'no_capacity');
  return h;
}
