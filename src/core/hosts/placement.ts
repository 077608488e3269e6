/** Placement: picks a host with room for a VM, keeping anti-affinity group members on distinct hosts. */
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import { unavailable } from '../../lib/errors.js';

const MIB = 1024 * 1024;

/** Reserves capacity on a host for the VM and records the host on the VM, in the caller's transaction. */
export async function placeVm(q: Q, vm: VmRow, excludeHosts: string[] = []): Promise<string> {
  if (vm.host_id) return vm.host_id;
  const groups = await q.selectFrom('vm_affinity_groups').select('group_id').where('vm_id', '=', vm.id).execute();
  const unreachable = new Set<string>(excludeHosts);
  const busy = new Set<string>();
  if (groups.length > 0) {
    // Touching the group rows locks them on PostgreSQL: concurrent placements of one group's members take turns.
    await q
      .updateTable('affinity_groups')
      .set((eb) => ({ name: eb.ref('name') }))
      .where(
        'id',
        'in',
        groups.map((g) => g.group_id),
      )
      .execute();
    const rows = await q
      .selectFrom('vm_affinity_groups as g')
      .innerJoin('vms', 'vms.id', 'g.vm_id')
      .select('vms.host_id')
      .where(
        'g.group_id',
        'in',
        groups.map((g) => g.group_id),
      )
      .where('vms.id', '!=', vm.id)
      .where('vms.host_id', 'is not', null)
      .execute();
    for (const r of rows) if (r.host_id) busy.add(r.host_id);
  }
  const mem = Number(vm.memory) * MIB;
  const mhz = Number(vm.cpu_number) * Number(vm.cpu_speed);
  const zoneHosts = await q
    .selectFrom('hosts')
    .selectAll()
    .where('zone_id', '=', vm.zone_id)
    .where('state', '=', 'up')
    .orderBy('mem_used')
    .orderBy('name')
    .execute();
  // A migrated VM returns to the host it was moved to while that host can take it.
  const hosts = [
    ...zoneHosts.filter((h) => h.id === vm.home_host_id),
    ...zoneHosts.filter((h) => h.id !== vm.home_host_id),
  ];
  let blockedByAffinity = false;
  let reachable = 0;
  for (const h of hosts) {
    if (unreachable.has(h.id)) continue;
    reachable++;
    if (busy.has(h.id)) {
      blockedByAffinity = true;
      continue;
    }
    if (Number(h.mem_used) + mem > Number(h.mem_total)) continue;
    if (Number(h.cpu_used_mhz) + mhz > Number(h.cpu_count) * Number(h.cpu_mhz) * 4) continue;
    const r = await q
      .updateTable('hosts')
      .set((eb) => ({
        mem_used: eb('mem_used', '+', mem),
        cpu_used_mhz: eb('cpu_used_mhz', '+', mhz),
        vm_count: eb('vm_count', '+', 1),
      }))
      .where('id', '=', h.id)
      .where((eb) => eb(eb('mem_used', '+', mem), '<=', eb.ref('mem_total')))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) continue;
    await q.updateTable('vms').set({ host_id: h.id }).where('id', '=', vm.id).execute();
    return h.id;
  }
  throw reachable === 0
    ? unavailable('Unable to create a deployment for VM: no host of the zone is up and reachable', 'unreachable')
    : unavailable(
        blockedByAffinity
          ? 'Unable to create a deployment for VM: no host satisfies the anti-affinity rules of its groups'
          : 'Unable to create a deployment for VM: insufficient capacity in the zone',
        'no_capacity',
      );
}

/** Returns the VM's reserved capacity to its host and clears the VM's host, in the caller's transaction. */
export async function releaseHost(q: Q, vm: VmRow): Promise<void> {
  const cur = await q
    .selectFrom('vms')
    .select(['host_id', 'memory', 'cpu_number', 'cpu_speed'])
    .where('id', '=', vm.id)
    .executeTakeFirst();
  if (!cur?.host_id) return;
  const mem = Number(cur.memory) * MIB;
  const mhz = Number(cur.cpu_number) * Number(cur.cpu_speed);
  await q
    .updateTable('hosts')
    .set((eb) => ({
      mem_used: eb('mem_used', '-', mem),
      cpu_used_mhz: eb('cpu_used_mhz', '-', mhz),
      vm_count: eb('vm_count', '-', 1),
    }))
    .where('id', '=', cur.host_id)
    .execute();
  await q.updateTable('vms').set({ host_id: null }).where('id', '=', vm.id).execute();
}
