/** The disks of a VM definition by 1-based index: volumes in state Allocated attached to the VM (disk 1 is the ROOT one). */
import type { Q } from '../../store/db.js';
import type { VolumeRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { reserveQuota } from '../quotas/service.js';
import { vmRow } from './rows.js';
import { requireState } from './definition.js';

const MIB = 1024 ** 2;

/** The most disks a definition has (indexes 1 to 9). */
const MAX_DISKS = 9;

/** The disk models a definition accepts. */
const DISK_MODELS = ['virtio', 'ide', 'scsi', 'sata', 'nvme'] as const;

/** A disk of a VM as a definition shows it. */
export interface VmDiskView {
  index: number;
  volumeId: string;
  type: 'ROOT' | 'DATADISK';
  sizeMb: number;
  templateId: string | null;
  boot: boolean;
  model: string;
  /** Allocated while the VM is not deployed, Ready once its data exists. */
  state: string;
}

/** A disk to define or the changes of one; sizeMb is required when adding. templateId null means an empty disk. */
export interface VmDiskInput {
  sizeMb?: number;
  templateId?: string | null;
  boot?: boolean;
  model?: string;
}

function view(v: VolumeRow, index: number): VmDiskView {
  return {
    index,
    volumeId: v.id,
    type: index === 1 ? 'ROOT' : 'DATADISK',
    sizeMb: Math.ceil(Number(v.size) / MIB),
    templateId: v.template_id,
    boot: v.boot === null || v.boot === undefined ? index === 1 : Number(v.boot) === 1,
    model: v.model ?? 'virtio',
    state: v.state,
  };
}

/** The disks of these VMs (any account: callers pass their own VMs), in index order. */
export async function disksOf(q: Q, vmIds: string[]): Promise<Map<string, VmDiskView[]>> {
  const out = new Map<string, VmDiskView[]>();
  if (vmIds.length === 0) return out;
  const rows = await q
    .selectFrom('volumes')
    .selectAll()
    .where('vm_id', 'in', vmIds)
    .where('removed_at', 'is', null)
    .orderBy('device_id')
    .orderBy('created_at')
    .execute();
  for (const r of rows) {
    const list = out.get(r.vm_id!) ?? [];
    list.push(view(r, list.length + 1));
    out.set(r.vm_id!, list);
  }
  return out;
}

async function liveDisks(q: Q, vmId: string): Promise<VolumeRow[]> {
  return q
    .selectFrom('volumes')
    .selectAll()
    .where('vm_id', '=', vmId)
    .where('removed_at', 'is', null)
    .orderBy('device_id')
    .orderBy('created_at')
    .execute();
}

function checkInput(d: VmDiskInput, adding: boolean): void {
  if (adding && d.sizeMb === undefined) throw invalid('sizeMb is required', 'sizeMb');
  if (d.sizeMb !== undefined && (!Number.isInteger(d.sizeMb) || d.sizeMb < 1 || d.sizeMb > 16 * 1024 * 1024))
    throw invalid('sizeMb must be an integer from 1 to 16777216', 'sizeMb');
  if (d.model !== undefined && !(DISK_MODELS as readonly string[]).includes(d.model))
    throw invalid(`model must be one of ${DISK_MODELS.join(', ')}`, 'model');
}

/** Adds, changes, removes and lists the disks of defined VMs. */
export class VmDefinedDisks {
  constructor(private readonly deps: CoreDeps) {}

  /** The disks of one of the caller's VMs, in index order. */
  async list(ctx: CallContext, vmId: string): Promise<VmDiskView[]> {
    const vm = await vmRow(this.deps.store.db, ctx, vmId);
    return (await disksOf(this.deps.store.db, [vm.id])).get(vm.id) ?? [];
  }

  /** Adds disk `index` (the next one) to a defined VM; disk 1 is made from the VM's template unless templateId says otherwise. */
  async add(ctx: CallContext, vmId: string, index: number, d: VmDiskInput): Promise<TaskReceipt> {
    checkInput(d, true);
    const before = await vmRow(this.deps.store.db, ctx, vmId);
    const templateId = d.templateId === undefined ? (index === 1 ? before.template_id : null) : d.templateId;
    const template = templateId ? await this.deps.catalog.template(ctx, templateId) : undefined;
    const size = d.sizeMb! * MIB;
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, vmId);
      requireState(vm, ['defined'], 'add a disk to');
      const disks = await liveDisks(trx, vm.id);
      if (Number.isInteger(index) && index >= 1 && index <= disks.length)
        throw conflict(`Disk ${index} of the virtual machine already exists`, 'exists');
      if (index !== disks.length + 1 || index > MAX_DISKS)
        throw invalid(
          `Disk ${index} is out of range: the next disk is ${disks.length + 1} (at most ${MAX_DISKS})`,
          'index',
        );
      if (template && size < Number(template.size))
        throw invalid(
          `The disk must be at least the template's size (${Math.ceil(Number(template.size) / MIB)} MB)`,
          'sizeMb',
        );
      await reserveQuota(this.deps, trx, ctx.accountId, { volumes: 1, storageBytes: size });
      const now = nowIso();
      const id = newId();
      await trx
        .insertInto('volumes')
        .values({
          id,
          account_id: ctx.accountId,
          zone_id: vm.zone_id,
          name: index === 1 ? `ROOT-${vm.serial}` : `DATA-${vm.serial}-${index}`,
          type: index === 1 ? 'ROOT' : 'DATADISK',
          size,
          disk_offering_id: null,
          template_id: template?.id ?? null,
          vm_id: vm.id,
          device_id: index - 1,
          state: 'Allocated',
          created_at: now,
          attached_at: now,
          removed_at: null,
          model: d.model ?? 'virtio',
          boot: (d.boot ?? index === 1) ? 1 : 0,
        })
        .execute();
      if (index === 1)
        await trx
          .updateTable('vms')
          .set({ root_disk_size: size, ...(template ? { template_id: template.id } : {}), updated_at: now })
          .where('id', '=', vm.id)
          .execute();
      return this.record(trx, ctx, vm.id, 'define_disk', index);
    });
  }

  /** Changes the size, template, boot flag or model of disk `index` of a defined VM. */
  async update(ctx: CallContext, vmId: string, index: number, d: VmDiskInput): Promise<TaskReceipt> {
    checkInput(d, false);
    const template = d.templateId ? await this.deps.catalog.template(ctx, d.templateId) : undefined;
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, vmId);
      requireState(vm, ['defined'], 'change a disk of');
      const disk = (await liveDisks(trx, vm.id))[index - 1];
      if (!disk) throw notFound('disk', String(index), 'object');
      const size = d.sizeMb !== undefined ? d.sizeMb * MIB : Number(disk.size);
      const tplSize = template ? Number(template.size) : 0;
      if (size < tplSize)
        throw invalid(`The disk must be at least the template's size (${Math.ceil(tplSize / MIB)} MB)`, 'sizeMb');
      await reserveQuota(this.deps, trx, ctx.accountId, { storageBytes: size - Number(disk.size) });
      await trx
        .updateTable('volumes')
        .set({
          size,
          ...(d.templateId !== undefined ? { template_id: template?.id ?? null } : {}),
          ...(d.model !== undefined ? { model: d.model } : {}),
          ...(d.boot !== undefined ? { boot: d.boot ? 1 : 0 } : {}),
        })
        .where('id', '=', disk.id)
        .execute();
      if (index === 1)
        await trx
          .updateTable('vms')
          .set({ root_disk_size: size, ...(template ? { template_id: template.id } : {}), updated_at: nowIso() })
          .where('id', '=', vm.id)
          .execute();
      return this.record(trx, ctx, vm.id, 'update_disk', index);
    });
  }

  /** Removes disk `index` of a defined VM; the disks after it move up one index (a new disk 1 becomes the ROOT one). */
  async remove(ctx: CallContext, vmId: string, index: number): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, vmId);
      requireState(vm, ['defined'], 'remove a disk of');
      const disks = await liveDisks(trx, vm.id);
      const disk = disks[index - 1];
      if (!disk) throw notFound('disk', String(index), 'object');
      await trx
        .updateTable('volumes')
        .set({ state: 'Destroy', removed_at: nowIso(), vm_id: null, device_id: null })
        .where('id', '=', disk.id)
        .execute();
      const rest = disks.filter((x) => x.id !== disk.id);
      for (const [i, v] of rest.entries())
        await trx
          .updateTable('volumes')
          .set({ device_id: i, type: i === 0 ? 'ROOT' : 'DATADISK' })
          .where('id', '=', v.id)
          .execute();
      await trx
        .updateTable('vms')
        .set({ root_disk_size: rest[0] ? Number(rest[0].size) : 0, updated_at: nowIso() })
        .where('id', '=', vm.id)
        .execute();
      return this.record(trx, ctx, vm.id, 'remove_disk', index);
    });
  }

  private record(q: Q, ctx: CallContext, vmId: string, action: string, index: number): Promise<TaskReceipt> {
    return recordSyncChange(q, {
      objectType: 'virtual machine',
      objectId: vmId,
      ctx,
      payload: { action, disk: index },
      result: { type: 'vm', id: vmId },
    });
  }
}
