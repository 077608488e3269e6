/** Placement: picks a host with room for a VM, keeping anti-affinity group members on distinct hosts. */
import { sql } from 'kysely';
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import { CoreError, unavailable } from '../../lib/errors.js';

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
  throw noHost(reachable, blockedByAffinity);
}

/** Why a VM found no host: none reachable, or none with room (or allowed by its anti-affinity groups). */
function noHost(reachable: number, blockedByAffinity: boolean): CoreError {
  return reachable === 0
    ? unavailable('Unable to create a deployment for VM: no host of the zone is up and reachable', 'unreachable')
    : unavailable(
        blockedByAffinity
          ? 'Unable to create a deployment for VM: no host satisfies the anti-affinity rules of its groups'
          : 'Unable to create a deployment for VM: insufficient capacity in the zone',
        'no_capacity',
      );
}

/**
 * Places many VMs in the caller's transaction: each gets its host id, or the error placeVm would give. VMs in
 * affinity groups, returning home or already placed go through placeVm; the others are placed in memory the same
 * way (least memory used first, then name), get their hosts in one update, and their hosts are charged last, with one
 * update per host in id order: on PostgreSQL a host's row stays locked until the commit, so concurrent batches hold it
 * only for that moment.
 */
export async function placeVms(
  q: Q,
  vms: VmRow[],
  excludeHosts: string[] = [],
): Promise<Map<string, string | CoreError>> {
  const out = new Map<string, string | CoreError>();
  const grouped = new Set(
    vms.length === 0
      ? []
      : (
          await q
            .selectFrom('vm_affinity_groups')
            .select('vm_id')
            .where(
              'vm_id',
              'in',
              vms.map((v) => v.id),
            )
            .execute()
        ).map((r) => r.vm_id),
  );
  const single: VmRow[] = [];
  const byZone = new Map<string, VmRow[]>();
  for (const v of vms) {
    if (v.host_id || v.home_host_id || grouped.has(v.id)) single.push(v);
    else if (byZone.has(v.zone_id)) byZone.get(v.zone_id)!.push(v);
    else byZone.set(v.zone_id, [v]);
  }
  const unreachable = new Set(excludeHosts);
  const charges = new Map<string, { vms: VmRow[]; mem: number; mhz: number }>();
  for (const [zoneId, zoneVms] of byZone) {
    const hosts = (
      await q.selectFrom('hosts').selectAll().where('zone_id', '=', zoneId).where('state', '=', 'up').execute()
    ).filter((h) => !unreachable.has(h.id));
    const used = new Map(hosts.map((h) => [h.id, { mem: Number(h.mem_used), mhz: Number(h.cpu_used_mhz) }]));
    for (const vm of zoneVms) {
      const mem = Number(vm.memory) * MIB;
      const mhz = Number(vm.cpu_number) * Number(vm.cpu_speed);
      const fits = hosts
        .filter((h) => {
          const u = used.get(h.id)!;
          return u.mem + mem <= Number(h.mem_total) && u.mhz + mhz <= Number(h.cpu_count) * Number(h.cpu_mhz) * 4;
        })
        .sort((a, b) => used.get(a.id)!.mem - used.get(b.id)!.mem || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const h = fits[0];
      if (!h) {
        out.set(vm.id, noHost(hosts.length, false));
        continue;
      }
      const u = used.get(h.id)!;
      u.mem += mem;
      u.mhz += mhz;
      const c = charges.get(h.id) ?? { vms: [], mem: 0, mhz: 0 };
      c.vms.push(vm);
      c.mem += mem;
      c.mhz += mhz;
      charges.set(h.id, c);
    }
  }
  const placed = [...charges].flatMap(([hostId, c]) => c.vms.map((v) => [v.id, hostId] as const));
  if (placed.length > 0)
    await q
      .updateTable('vms')
      .set({
        host_id: sql<string>`case id ${sql.join(
          placed.map(([vm, host]) => sql`when ${vm} then ${host}`),
          sql` `,
        )} end`,
      })
      .where(
        'id',
        'in',
        placed.map(([vm]) => vm),
      )
      .execute();
  for (const hostId of [...charges.keys()].sort()) {
    const c = charges.get(hostId)!;
    const r = await q
      .updateTable('hosts')
      .set((eb) => ({
        mem_used: eb('mem_used', '+', c.mem),
        cpu_used_mhz: eb('cpu_used_mhz', '+', c.mhz),
        vm_count: eb('vm_count', '+', c.vms.length),
      }))
      .where('id', '=', hostId)
      .where((eb) => eb(eb('mem_used', '+', c.mem), '<=', eb.ref('mem_total')))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) for (const v of c.vms) out.set(v.id, hostId);
    else single.push(...c.vms.map((v) => ({ ...v, host_id: null })));
  }
  for (const vm of single) {
    try {
      out.set(vm.id, await placeVm(q, vm, excludeHosts));
    } catch (err) {
      if (!(err instanceof CoreError)) throw err;
      out.set(vm.id, err);
    }
  }
  return out;
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
