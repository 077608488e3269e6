/** VMs made by size from existing volumes (CloudSigma servers): CPU MHz, SMP, memory, drives by device slot, settings kept as JSON. */
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, unavailable } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import { writeLog } from '../../tasks/log.js';
import { assertIdle } from '../volumes/rules.js';
import { nextSerial, type VmService } from './service.js';
import { bumpLiveVms } from './counts.js';
import { reserveQuota } from '../quotas/service.js';
import { chooseMac, isCurrentMac, isMacClash, parseMac, unusableMac } from './macs.js';
import { decodeExtras, encodeExtras, openVncPassword, type StoredExtras } from './extras.js';

/** Lowest and highest CPU per virtual core, in MHz (the seed's SMP granularity). */
export const MHZ_PER_CORE = { min: 1000, max: 2200 };

/** A VM's size and drives as the caller asks for them. */
export interface SizedVmInput {
  name?: string; cpuMhz?: number; smp?: number | 'auto'; memMb?: number;
  /** Volumes by device slot; replaces all of the VM's volumes when given to update. */
  drives?: Array<{ deviceId: number; volumeId: string }>;
  /** Free-form settings kept with the VM (boot, VNC, NIC models, ...), merged on update; null removes a key. */
  attrs?: Record<string, string | null>;
  /** The console (VNC) password, stored encrypted under the master key; null removes it. */
  vncPassword?: string | null;
}

/** A VM's settings as its owner sees them (the console password decrypted). */
export interface SizedVmExtras { smpAuto: boolean; attrs: Record<string, string>; vncPassword?: string }

/** Creates and reshapes VMs by size. */
export class SizedVmService {
  constructor(private readonly deps: CoreDeps, private readonly vms: VmService) {}

  /** Creates a stopped VM of the given size with the caller's volumes attached; answered when the definition task is queued. */
  async create(ctx: CallContext, input: SizedVmInput): Promise<{ id: string; taskId: string }> {
    const { store, catalog } = this.deps;
    const display = checkDisplay(input.name ?? '');
    const size = sizeOf(input.cpuMhz ?? 1000, input.smp ?? 'auto', input.memMb ?? 512);
    const zone = (await catalog.listZones())[0];
    const offering = (await catalog.listServiceOfferings())[0];
    if (!zone || !offering) throw unavailable('No zone or service offering is configured', 'not_configured');
    const id = newId();
    const mac = input.attrs?.['nic:0:mac'];
    const taskId = await store.tx(async (trx) => {
      await reserveQuota(this.deps, trx, ctx.accountId, { vms: 1, cpus: size.smp, memoryMb: size.memMb });
      const firstVolume = input.drives?.[0] ? await this.volume(trx, ctx, input.drives[0].volumeId) : undefined;
      const template = firstVolume?.template_id ?? (await trx.selectFrom('templates').select('id').where('public', '=', 1)
        .where('removed_at', 'is', null).orderBy('created_at').executeTakeFirst())?.id;
      if (!template) throw unavailable('No template is configured', 'not_configured');
      const serial = await nextSerial(trx);
      await bumpLiveVms(trx, ctx.accountId, 1);
      const now = nowIso();
      await trx.insertInto('vms').values({
        id, serial, account_id: ctx.accountId, zone_id: zone.id, host_id: null, name: `server-${serial}`, display_name: display,
        group_name: null, state: 'creating', power: 'stopped', service_offering_id: offering.id, template_id: template,
        cpu_number: size.smp, cpu_speed: size.mhzPerCore, memory: size.memMb, keypair: null, userdata: null, password_enc: null,
        ha_enable: 0, display_vm: 1, root_disk_size: 0, created_at: now, updated_at: now, removed_at: null,
      }).execute();
      await this.attachAll(trx, ctx, id, zone.id, input.drives ?? []);
      await this.vms.addDefaultNic(trx, ctx, id, serial, zone.id);
      if (mac) await chooseMac(trx, id, mac);
      const attrs = encodeExtras({ smpAuto: false, attrs: {} }, input.attrs, size.smpAuto, input.vncPassword, this.deps.secrets);
      await trx.insertInto('vm_extras').values({ vm_id: id, attrs }).execute();
      return enqueueTask(store, trx, { kind: 'vm.create', objectType: 'virtual machine', objectId: id, payload: { start: false }, ctx, fresh: true });
    }).catch((err: unknown) => { throw mac && isMacClash(err) ? unusableMac(parseMac(mac)) : err; });
    this.deps.tasks.wake();
    return { id, taskId };
  }

  /** Changes the name at any time; size and drives only while the VM is stopped (they apply at the next start). */
  async update(ctx: CallContext, id: string, input: SizedVmInput): Promise<void> {
    const mac = input.attrs?.['nic:0:mac'];
    await this.deps.store.tx(async (trx) => {
      const vm = await this.vms.row(trx, ctx, id);
      const set: Partial<VmRow> = { updated_at: nowIso() };
      if (input.name !== undefined) set.display_name = checkDisplay(input.name);
      const extras = await this.extrasIn(trx, id);
      const reshape = input.cpuMhz !== undefined || input.smp !== undefined || input.memMb !== undefined;
      if ((reshape || input.drives) && vm.state !== 'stopped') throw conflict(`The size and drives of a server can only change while it is stopped (it is ${vm.state})`, 'wrong_state');
      let smpAuto = extras.smpAuto;
      if (reshape) {
        const size = sizeOf(input.cpuMhz ?? Number(vm.cpu_number) * Number(vm.cpu_speed), input.smp ?? (extras.smpAuto ? 'auto' : Number(vm.cpu_number)), input.memMb ?? Number(vm.memory));
        await reserveQuota(this.deps, trx, ctx.accountId, { cpus: size.smp - Number(vm.cpu_number), memoryMb: size.memMb - Number(vm.memory) });
        Object.assign(set, { cpu_number: size.smp, cpu_speed: size.mhzPerCore, memory: size.memMb });
        smpAuto = size.smpAuto;
      }
      await trx.updateTable('vms').set(set).where('id', '=', id).execute();
      if (mac && !(await isCurrentMac(trx, id, mac))) {
        if (vm.state !== 'stopped') throw conflict(`The MAC address of a server can only change while it is stopped (it is ${vm.state})`, 'wrong_state');
        await chooseMac(trx, id, mac);
      }
      if (input.drives) {
        await trx.updateTable('volumes').set({ vm_id: null, device_id: null, attached_at: null }).where('vm_id', '=', id).where('type', '=', 'DATADISK').execute();
        await this.attachAll(trx, ctx, id, vm.zone_id, input.drives);
      }
      const attrs = encodeExtras(extras, input.attrs, smpAuto, input.vncPassword, this.deps.secrets);
      await trx.updateTable('vm_extras').set({ attrs }).where('vm_id', '=', id).execute();
      await writeLog(trx, { taskId: null, accountId: ctx.accountId, userId: ctx.userId, objectType: 'virtual machine', objectId: id, action: 'vm.update', status: 'SUCCESS' });
    }).catch((err: unknown) => { throw mac && isMacClash(err) ? unusableMac(parseMac(mac)) : err; });
  }

  /** Settings of the caller's VMs by id (VMs not made by size get defaults). */
  async extras(ctx: CallContext, ids: string[]): Promise<Map<string, SizedVmExtras>> {
    if (!ids.length) return new Map();
    const rows = await this.deps.store.db.selectFrom('vm_extras').innerJoin('vms', 'vms.id', 'vm_extras.vm_id')
      .select(['vm_extras.vm_id', 'vm_extras.attrs']).where('vms.account_id', '=', ctx.accountId).where('vm_extras.vm_id', 'in', ids).execute();
    return new Map(rows.map((r) => {
      const x = decodeExtras(r.attrs);
      const vncPassword = openVncPassword(x, this.deps.secrets);
      return [r.vm_id, { smpAuto: x.smpAuto, attrs: x.attrs, ...(vncPassword !== undefined ? { vncPassword } : {}) }];
    }));
  }

  private async extrasIn(q: Q, id: string): Promise<StoredExtras> {
    const row = await q.selectFrom('vm_extras').select('attrs').where('vm_id', '=', id).executeTakeFirst();
    if (!row) await q.insertInto('vm_extras').values({ vm_id: id, attrs: '{}' }).execute();
    return decodeExtras(row?.attrs ?? '{}');
  }

  private async volume(q: Q, ctx: CallContext, volumeId: string) {
    const v = await q.selectFrom('volumes').selectAll().where('id', '=', volumeId).where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null).executeTakeFirst();
    if (!v) throw invalid(`Drive ${volumeId} not found`, 'drive');
    return v;
  }

  /** Attaches volumes at their slots: each must be the caller's, idle, in the zone and not on another VM. */
  private async attachAll(q: Q, ctx: CallContext, vmId: string, zoneId: string, drives: Array<{ deviceId: number; volumeId: string }>): Promise<void> {
    const seen = new Set<string>();
    for (const d of drives) {
      if (seen.has(d.volumeId)) throw invalid(`Drive ${d.volumeId} is given twice`, 'drive');
      seen.add(d.volumeId);
      const v = await this.volume(q, ctx, d.volumeId);
      if (v.vm_id && v.vm_id !== vmId) throw conflict(`Drive ${v.name} is already mounted on another server`, 'in_use');
      if (v.type === 'ROOT') throw conflict(`Drive ${v.name} is the root disk of another server`, 'in_use');
      if (v.zone_id !== zoneId) throw invalid(`Drive ${v.name} is in another zone`, 'drive');
      await assertIdle(q, v.id, 'drive');
      await q.updateTable('volumes').set({ vm_id: vmId, device_id: d.deviceId, attached_at: nowIso(), state: 'Ready' }).where('id', '=', v.id).execute();
    }
  }
}

/** The SMP count and per-core MHz for a total CPU in MHz; `auto` picks the fewest cores within the per-core limits. */
export function sizeOf(cpuMhz: number, smp: number | 'auto', memMb: number): { smp: number; mhzPerCore: number; memMb: number; smpAuto: boolean } {
  if (!Number.isSafeInteger(cpuMhz) || cpuMhz < 250 || cpuMhz > 80_000) throw invalid('cpu must be between 250 and 80000 core MHz', 'cpu');
  if (!Number.isSafeInteger(memMb) || memMb < 64 || memMb > 262_144) throw invalid('mem must be between 64 and 262144 MB', 'mem');
  const n = smp === 'auto' ? Math.max(1, Math.ceil(cpuMhz / MHZ_PER_CORE.max)) : smp;
  if (!Number.isSafeInteger(n) || n < 1 || n > 32) throw invalid("smp must be between 1 and 32, or 'auto'", 'smp');
  if (smp !== 'auto' && (cpuMhz / n > MHZ_PER_CORE.max || (cpuMhz / n < MHZ_PER_CORE.min && n > 1))) {
    throw invalid(`Each virtual core needs ${MHZ_PER_CORE.min} to ${MHZ_PER_CORE.max} MHz of cpu`, 'smp');
  }
  return { smp: n, mhzPerCore: Math.floor(cpuMhz / n), memMb, smpAuto: smp === 'auto' };
}

function checkDisplay(name: string): string {
  const t = name.trim();
  if (!t || t.length > 255 || /[\u0000-\u001f]/.test(t)) throw invalid('A server name must be 1 to 255 printable characters', 'name');
  return t;
}

