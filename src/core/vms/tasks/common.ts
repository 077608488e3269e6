/** Helpers shared by the VM task steps: loading the driver spec, releasing resources, settling state. */
import type { Q } from '../../../store/db.js';
import type { TaskRow, VmRow } from '../../../store/schema.js';
import type { VmSpec } from '../../../drivers/compute/driver.js';
import { releaseHost } from '../../hosts/placement.js';
import { releaseAddresses } from '../../networks/ipam.js';
import { nowIso, parseJson } from '../../../lib/util.js';
import { bumpLiveVms } from '../counts.js';

/** The VM row of a task (removed ones too), or undefined when it never existed. */
export async function taskVm(q: Q, task: TaskRow): Promise<VmRow | undefined> {
  return q.selectFrom('vms').selectAll().where('id', '=', task.object_id).executeTakeFirst();
}

/** Builds the driver's view of a VM placed on hostId. */
export async function vmSpec(q: Q, vm: VmRow, hostId: string): Promise<VmSpec> {
  return (await vmSpecs(q, [{ vm, hostId }]))[0]!;
}

/** Builds the driver's views of several placed VMs with two queries in all (their volumes, their NICs). */
export async function vmSpecs(q: Q, placed: Array<{ vm: VmRow; hostId: string }>): Promise<VmSpec[]> {
  if (placed.length === 0) return [];
  const ids = placed.map((p) => p.vm.id);
  const [vols, nics] = await Promise.all([
    q
      .selectFrom('volumes')
      .leftJoin('templates', 'templates.id', 'volumes.template_id')
      .select([
        'volumes.vm_id',
        'volumes.id',
        'volumes.device_id',
        'volumes.size',
        'volumes.type',
        'volumes.template_id',
        'templates.details',
        'templates.checksum',
      ])
      .where('volumes.vm_id', 'in', ids)
      .where('volumes.removed_at', 'is', null)
      .orderBy('volumes.device_id')
      .execute(),
    q
      .selectFrom('nics')
      .select(['vm_id', 'mac_address', 'ip_address', 'device_id'])
      .where('vm_id', 'in', ids)
      .orderBy('device_id')
      .execute(),
  ]);
  return placed.map(({ vm, hostId }) => {
    const mine = vols.filter((v) => v.vm_id === vm.id);
    const root = mine.find((v) => v.type === 'ROOT');
    return {
      id: vm.id,
      serial: Number(vm.serial),
      hostname: vm.name,
      hostId,
      cpus: Number(vm.cpu_number),
      cpuMhz: Number(vm.cpu_speed),
      memoryMb: Number(vm.memory),
      userdata: vm.userdata,
      volumes: mine.map((v) => ({
        id: v.id,
        deviceId: Number(v.device_id ?? 0),
        size: Number(v.size),
        type: v.type as 'ROOT' | 'DATADISK',
        templateId: v.template_id,
      })),
      nics: nics
        .filter((n) => n.vm_id === vm.id)
        .map((n) => ({ mac: n.mac_address, ip: n.ip_address, deviceId: Number(n.device_id) })),
      rootTemplate: root?.template_id
        ? { checksum: root.checksum, details: parseJson<Record<string, unknown>>(root.details, {}) }
        : null,
    };
  });
}

/** Sets the VM's state and power. */
export async function setVmState(q: Q, vmId: string, state: string, power?: 'running' | 'stopped'): Promise<void> {
  await q
    .updateTable('vms')
    .set({ state, ...(power ? { power } : {}), updated_at: nowIso() })
    .where('id', '=', vmId)
    .execute();
}

/** Removes a VM for good: host capacity, addresses, root volume, group links and tags released; data volumes detached. */
export async function expungeVm(q: Q, kind: 'sqlite' | 'postgres', vm: VmRow): Promise<void> {
  const now = nowIso();
  await releaseHost(q, vm);
  const nics = await q.selectFrom('nics').select('id').where('vm_id', '=', vm.id).execute();
  for (const n of nics) {
    await releaseAddresses(q, n.id);
    await q.deleteFrom('nic_secondary_ips').where('nic_id', '=', n.id).execute();
  }
  await q
    .updateTable('nics')
    .set({ removed_at: now })
    .where('vm_id', '=', vm.id)
    .where('removed_at', 'is', null)
    .execute();
  await q
    .updateTable('volumes')
    .set({ state: 'Destroy', removed_at: now })
    .where('vm_id', '=', vm.id)
    .where('type', '=', 'ROOT')
    .where('removed_at', 'is', null)
    .execute();
  await q
    .updateTable('volumes')
    .set({ vm_id: null, device_id: null, attached_at: null, state: 'Ready' })
    .where('vm_id', '=', vm.id)
    .where('type', '=', 'DATADISK')
    .execute();
  await q.updateTable('public_ips').set({ vm_id: null }).where('vm_id', '=', vm.id).execute();
  await q.deleteFrom('vm_security_groups').where('vm_id', '=', vm.id).execute();
  await q.deleteFrom('vm_affinity_groups').where('vm_id', '=', vm.id).execute();
  await q.deleteFrom('tags').where('resource_id', '=', vm.id).execute();
  const r = await q
    .updateTable('vms')
    .set({ state: 'destroyed', power: 'stopped', removed_at: now, updated_at: now })
    .where('id', '=', vm.id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) await bumpLiveVms(q, kind, vm.account_id, -1);
}

/** Returns a VM to its definition: host released, its disks back to Allocated (their data is gone), state defined; NICs and addresses stay. */
export async function backToDefinition(q: Q, vm: VmRow): Promise<void> {
  await releaseHost(q, vm);
  await q
    .updateTable('volumes')
    .set({ state: 'Allocated' })
    .where('vm_id', '=', vm.id)
    .where('removed_at', 'is', null)
    .execute();
  await setVmState(q, vm.id, 'defined', 'stopped');
}
