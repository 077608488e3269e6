/** VMs by explicit size: total CPU MHz, vCPU count (or auto), memory, drives by device slot, free-form extras kept as JSON. */
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { assertIdle } from '../volumes/rules.js';
import { vmRow } from './rows.js';
import { reserveQuota } from '../quotas/service.js';
import { chooseMac, isCurrentMac, isMacClash, parseMac, unusableMac } from './macs.js';
import { decodeExtras, encodeExtras, openVncPassword, type StoredExtras } from './extras.js';

/** Lowest and highest CPU per virtual core, in MHz. */
const MHZ_PER_CORE = { min: 1000, max: 2200 };

/** A VM size: total CPU in MHz over all vCPUs, the vCPU count (auto: the fewest within the per-core limits), memory in MB. */
export interface VmSize {
  cpuMhz?: number;
  cpuCount?: number | 'auto';
  memoryMb?: number;
}

/** A volume of the caller at a device slot of the VM. */
export interface VmDrive {
  deviceId: number;
  volumeId: string;
}

/** Changes to a VM made by size; the size and drives only while it is stopped (they apply at the next start). */
export interface VmReshape {
  /** The display name. */
  name?: string;
  size?: VmSize;
  /** Volumes by device slot; replaces all of the VM's data volumes. */
  drives?: VmDrive[];
  /** The MAC address of NIC 0. */
  macAddress?: string;
  /** Free-form settings kept with the VM, merged; null removes a key. */
  extras?: Record<string, string | null>;
  /** The console (VNC) password, stored encrypted under the master key; null removes it. */
  consolePassword?: string | null;
}

/** A VM's extras as its owner sees them (the console password decrypted). */
export interface VmExtras {
  cpuCountAuto: boolean;
  attrs: Record<string, string>;
  consolePassword?: string;
}

/** Reshapes VMs by size and reads their extras. */
export class VmSizing {
  constructor(private readonly deps: CoreDeps) {}

  /** Changes the name at any time; size, drives and MAC only while the VM is stopped; recorded as one finished task. */
  async reshape(ctx: CallContext, id: string, input: VmReshape): Promise<TaskReceipt> {
    const mac = input.macAddress;
    return this.deps.store
      .tx(async (trx) => {
        const vm = await vmRow(trx, ctx, id);
        const set: Partial<VmRow> = { updated_at: nowIso() };
        if (input.name !== undefined) set.display_name = checkServerName(input.name);
        const extras = await this.extrasIn(trx, id);
        const want = input.size ?? {};
        const resize = want.cpuMhz !== undefined || want.cpuCount !== undefined || want.memoryMb !== undefined;
        if ((resize || input.drives) && vm.state !== 'stopped')
          throw conflict(
            `The size and drives of a server can only change while it is stopped (it is ${vm.state})`,
            'wrong_state',
          );
        let cpuCountAuto = extras.cpuCountAuto;
        if (resize) {
          const size = sizeOf(
            want.cpuMhz ?? Number(vm.cpu_number) * Number(vm.cpu_speed),
            want.cpuCount ?? (extras.cpuCountAuto ? 'auto' : Number(vm.cpu_number)),
            want.memoryMb ?? Number(vm.memory),
          );
          await reserveQuota(this.deps, trx, ctx.accountId, {
            cpus: size.cpuCount - Number(vm.cpu_number),
            memoryMb: size.memoryMb - Number(vm.memory),
          });
          Object.assign(set, { cpu_number: size.cpuCount, cpu_speed: size.mhzPerCore, memory: size.memoryMb });
          cpuCountAuto = size.cpuCountAuto;
        }
        await trx.updateTable('vms').set(set).where('id', '=', id).execute();
        if (mac && !(await isCurrentMac(trx, id, mac))) {
          if (vm.state !== 'stopped')
            throw conflict(
              `The MAC address of a server can only change while it is stopped (it is ${vm.state})`,
              'wrong_state',
            );
          await chooseMac(trx, id, mac);
        }
        if (input.drives) {
          await trx
            .updateTable('volumes')
            .set({ vm_id: null, device_id: null, attached_at: null })
            .where('vm_id', '=', id)
            .where('type', '=', 'DATADISK')
            .execute();
          await attachDrives(trx, ctx, id, vm.zone_id, input.drives);
        }
        const attrs = encodeExtras(extras, input.extras, cpuCountAuto, input.consolePassword, this.deps.secrets);
        await trx.updateTable('vm_extras').set({ attrs }).where('vm_id', '=', id).execute();
        return recordSyncChange(trx, {
          objectType: 'virtual machine',
          objectId: id,
          ctx,
          payload: { action: 'reshape' },
        });
      })
      .catch((err: unknown) => {
        throw mac && isMacClash(err) ? unusableMac(parseMac(mac)) : err;
      });
  }

  /** Extras of the caller's VMs by id (VMs without any are left out). */
  async extras(ctx: CallContext, ids: string[]): Promise<Map<string, VmExtras>> {
    if (!ids.length) return new Map();
    const rows = await this.deps.store.db
      .selectFrom('vm_extras')
      .innerJoin('vms', 'vms.id', 'vm_extras.vm_id')
      .select(['vm_extras.vm_id', 'vm_extras.attrs'])
      .where('vms.account_id', '=', ctx.accountId)
      .where('vm_extras.vm_id', 'in', ids)
      .execute();
    return new Map(
      rows.map((r) => {
        const x = decodeExtras(r.attrs);
        const consolePassword = openVncPassword(x, this.deps.secrets);
        return [
          r.vm_id,
          {
            cpuCountAuto: x.cpuCountAuto,
            attrs: x.attrs,
            ...(consolePassword !== undefined ? { consolePassword } : {}),
          },
        ];
      }),
    );
  }

  private async extrasIn(q: Q, id: string): Promise<StoredExtras> {
    const row = await q.selectFrom('vm_extras').select('attrs').where('vm_id', '=', id).executeTakeFirst();
    if (!row) await q.insertInto('vm_extras').values({ vm_id: id, attrs: '{}' }).execute();
    return decodeExtras(row?.attrs ?? '{}');
  }
}

/** One of the caller's live volumes to attach, or Invalid naming it. */
export async function volumeOf(q: Q, ctx: CallContext, volumeId: string) {
  const v = await q
    .selectFrom('volumes')
    .selectAll()
    .where('id', '=', volumeId)
    .where('account_id', '=', ctx.accountId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!v) throw invalid(`Drive ${volumeId} not found`, 'drives');
  return v;
}

/** Attaches volumes at their slots: each must be the caller's, idle, in the zone and not on another VM. */
export async function attachDrives(
  q: Q,
  ctx: CallContext,
  vmId: string,
  zoneId: string,
  drives: VmDrive[],
): Promise<void> {
  const seen = new Set<string>();
  for (const d of drives) {
    if (seen.has(d.volumeId)) throw invalid(`Drive ${d.volumeId} is given twice`, 'drives');
    seen.add(d.volumeId);
    const v = await volumeOf(q, ctx, d.volumeId);
    if (v.vm_id && v.vm_id !== vmId) throw conflict(`Drive ${v.name} is already mounted on another server`, 'in_use');
    if (v.type === 'ROOT') throw conflict(`Drive ${v.name} is the root disk of another server`, 'in_use');
    if (v.zone_id !== zoneId) throw invalid(`Drive ${v.name} is in another zone`, 'drives');
    await assertIdle(q, v.id, 'drive');
    await q
      .updateTable('volumes')
      .set({ vm_id: vmId, device_id: d.deviceId, attached_at: nowIso(), state: 'Ready' })
      .where('id', '=', v.id)
      .execute();
  }
}

/** The vCPU count and per-core MHz for a total CPU in MHz; `auto` picks the fewest cores within the per-core limits. */
export function sizeOf(
  cpuMhz: number,
  cpuCount: number | 'auto',
  memoryMb: number,
): { cpuCount: number; mhzPerCore: number; memoryMb: number; cpuCountAuto: boolean } {
  if (!Number.isSafeInteger(cpuMhz) || cpuMhz < 250 || cpuMhz > 80_000)
    throw invalid('cpu must be between 250 and 80000 core MHz', 'cpuMhz');
  if (!Number.isSafeInteger(memoryMb) || memoryMb < 64 || memoryMb > 262_144)
    throw invalid('mem must be between 64 and 262144 MB', 'memoryMb');
  const n = cpuCount === 'auto' ? Math.max(1, Math.ceil(cpuMhz / MHZ_PER_CORE.max)) : cpuCount;
  if (!Number.isSafeInteger(n) || n < 1 || n > 32) throw invalid("smp must be between 1 and 32, or 'auto'", 'cpuCount');
  if (cpuCount !== 'auto' && (cpuMhz / n > MHZ_PER_CORE.max || (cpuMhz / n < MHZ_PER_CORE.min && n > 1))) {
    throw invalid(`Each virtual core needs ${MHZ_PER_CORE.min} to ${MHZ_PER_CORE.max} MHz of cpu`, 'cpuCount');
  }
  return { cpuCount: n, mhzPerCore: Math.floor(cpuMhz / n), memoryMb, cpuCountAuto: cpuCount === 'auto' };
}

/** A display name given by size: 1 to 255 printable characters. */
export function checkServerName(name: string): string {
  const t = name.trim();
  if (!t || t.length > 255 || /[\u0000-\u001f]/.test(t))
    throw invalid('A server name must be 1 to 255 printable characters', 'name');
  return t;
}
