/** VM definitions: a VM described (size, disks, NICs) before it is deployed on a host, deployed, undeployed back to its definition, and deleted. */
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound, unavailable } from '../../lib/errors.js';
import { newId, nowIso, parseJson } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { reserveQuota } from '../quotas/service.js';
import { bumpLiveVms } from './counts.js';
import { vmRow } from './rows.js';
import { nextSerial } from '../../store/vm-serials.js';
import { checkDisplayName } from './rules.js';
import { expungeVm } from './tasks/common.js';
import type { VmState } from './model.js';

/** What a new definition is made of: a host name unique in the account, a size, and optionally a template, zone, note and settings. */
export interface VmDefineInput {
  name: string;
  displayName?: string;
  cpuCount: number;
  memoryMb: number;
  /** MHz per vCPU (1000 when not given). */
  cpuMhz?: number;
  /** The template disk 1 is made from by default (the first public template when not given). */
  templateId?: string;
  zoneId?: string;
  note?: string;
  /** Free-form string settings kept with the definition; null removes a key. */
  settings?: Record<string, string | null>;
}

/** Changes of a definition; allowed while the VM is defined or stopped. */
export type VmDefinitionUpdate = Partial<Omit<VmDefineInput, 'name' | 'zoneId'>>;

/** The states in which a definition may change its size, names and settings. */
const EDITABLE: VmState[] = ['defined', 'stopped'];
const BUSY: VmState[] = ['creating', 'starting', 'stopping', 'rebooting', 'restoring', 'destroying'];
const NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,126}[A-Za-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws Conflict busy or wrong_state unless the VM is in one of `allowed`. */
export function requireState(vm: VmRow, allowed: VmState[], verb: string): void {
  const state = vm.state as VmState;
  if (allowed.includes(state)) return;
  if (BUSY.includes(state))
    throw conflict(`The virtual machine is busy (${state}); try again when the current operation has finished`, 'busy');
  throw conflict(`Cannot ${verb} a virtual machine that is ${state}`, 'wrong_state');
}

/** The settings of a VM row as an object. */
export const settingsOf = (vm: Pick<VmRow, 'settings'>): Record<string, string> =>
  parseJson<Record<string, string>>(vm.settings ?? null, {});

function mergeSettings(old: Record<string, string>, changes: Record<string, string | null> | undefined): string {
  const out = { ...old };
  for (const [k, v] of Object.entries(changes ?? {})) {
    if (v === null) delete out[k];
    else out[k] = String(v);
  }
  return JSON.stringify(out);
}

function checkSize(cpuCount: number | undefined, memoryMb: number | undefined, cpuMhz: number | undefined): void {
  if (cpuCount !== undefined && (!Number.isInteger(cpuCount) || cpuCount < 1 || cpuCount > 64))
    throw invalid('cpuCount must be an integer from 1 to 64', 'cpuCount');
  if (memoryMb !== undefined && (!Number.isInteger(memoryMb) || memoryMb < 32 || memoryMb > 1048576))
    throw invalid('memoryMb must be an integer from 32 to 1048576', 'memoryMb');
  if (cpuMhz !== undefined && (!Number.isInteger(cpuMhz) || cpuMhz < 100 || cpuMhz > 10000))
    throw invalid('cpuMhz must be an integer from 100 to 10000', 'cpuMhz');
}

/** Defines, edits, deploys, undeploys and deletes VM definitions for VmService. */
export class VmDefinitions {
  constructor(private readonly deps: CoreDeps) {}

  /** One of the caller's live VMs by host name or id, or NotFound. */
  async byNameOrId(q: Q, ctx: CallContext, ref: string): Promise<VmRow> {
    let s = q.selectFrom('vms').selectAll().where('account_id', '=', ctx.accountId).where('removed_at', 'is', null);
    s = UUID.test(ref) ? s.where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)])) : s.where('name', '=', ref);
    const row = await s.executeTakeFirst();
    if (!row) throw notFound('virtual machine', ref, 'vm');
    return row;
  }

  /** Writes a VM in state `defined` (on no host) with its quota reserved; one finished task. */
  async define(ctx: CallContext, input: VmDefineInput): Promise<TaskReceipt> {
    const { catalog, store } = this.deps;
    if (!NAME.test(input.name ?? ''))
      throw invalid(
        'A host name is 1 to 128 letters, digits, hyphens and dots, starting and ending with a letter or digit',
        'name',
      );
    if (input.displayName !== undefined) checkDisplayName(input.displayName);
    checkSize(input.cpuCount, input.memoryMb, input.cpuMhz);
    if (input.cpuCount === undefined) throw invalid('cpuCount is required', 'cpuCount');
    if (input.memoryMb === undefined) throw invalid('memoryMb is required', 'memoryMb');
    const zone = input.zoneId ? await catalog.zone(input.zoneId) : (await catalog.listZones())[0];
    const offering = (await catalog.listServiceOfferings())[0];
    if (!zone || !offering) throw unavailable('No zone or service offering is configured', 'not_configured');
    const templateId = input.templateId ? (await catalog.template(ctx, input.templateId)).id : undefined;
    const id = newId();
    return store.tx(async (trx) => {
      const template =
        templateId ??
        (
          await trx
            .selectFrom('templates')
            .select('id')
            .where('public', '=', 1)
            .where('removed_at', 'is', null)
            .orderBy('created_at')
            .executeTakeFirst()
        )?.id;
      if (!template) throw unavailable('No template is configured', 'not_configured');
      await reserveQuota(this.deps, trx, ctx.accountId, { vms: 1, cpus: input.cpuCount, memoryMb: input.memoryMb });
      const dup = await trx
        .selectFrom('vms')
        .select('id')
        .where('account_id', '=', ctx.accountId)
        .where('name', '=', input.name)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (dup) throw conflict(`A virtual machine named ${input.name} already exists in this account`, 'exists');
      const serial = await nextSerial(trx, store.kind);
      await bumpLiveVms(trx, store.kind, ctx.accountId, 1);
      const now = nowIso();
      await trx
        .insertInto('vms')
        .values({
          id,
          serial,
          account_id: ctx.accountId,
          zone_id: zone.id,
          host_id: null,
          name: input.name,
          display_name: input.displayName ?? input.name,
          group_name: null,
          state: 'defined',
          power: 'stopped',
          service_offering_id: offering.id,
          template_id: template,
          cpu_number: input.cpuCount,
          cpu_speed: input.cpuMhz ?? 1000,
          memory: input.memoryMb,
          keypair: null,
          userdata: null,
          password_enc: null,
          ha_enable: 0,
          display_vm: 1,
          root_disk_size: 0,
          created_at: now,
          updated_at: now,
          removed_at: null,
          note: input.note ?? null,
          settings: mergeSettings({}, input.settings),
        })
        .execute();
      const def = await trx
        .selectFrom('security_groups')
        .select('id')
        .where('account_id', '=', ctx.accountId)
        .where('name', '=', 'default')
        .executeTakeFirst();
      if (def) await trx.insertInto('vm_security_groups').values({ vm_id: id, group_id: def.id }).execute();
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: id,
        ctx,
        payload: { action: 'define' },
        result: { type: 'vm', id },
      });
    });
  }

  /** Changes the size, names, template, note or settings of a defined or stopped VM; one finished task. */
  async updateDefinition(ctx: CallContext, id: string, u: VmDefinitionUpdate): Promise<TaskReceipt> {
    if (u.displayName !== undefined) checkDisplayName(u.displayName);
    checkSize(u.cpuCount, u.memoryMb, u.cpuMhz);
    const templateId = u.templateId ? (await this.deps.catalog.template(ctx, u.templateId)).id : undefined;
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, id);
      requireState(vm, EDITABLE, 'change the definition of');
      await this.checkNoTask(trx, id);
      await reserveQuota(this.deps, trx, ctx.accountId, {
        cpus: (u.cpuCount ?? Number(vm.cpu_number)) - Number(vm.cpu_number),
        memoryMb: (u.memoryMb ?? Number(vm.memory)) - Number(vm.memory),
      });
      const set: Partial<VmRow> = { updated_at: nowIso() };
      if (u.displayName !== undefined) set.display_name = u.displayName;
      if (u.cpuCount !== undefined) set.cpu_number = u.cpuCount;
      if (u.memoryMb !== undefined) set.memory = u.memoryMb;
      if (u.cpuMhz !== undefined) set.cpu_speed = u.cpuMhz;
      if (templateId !== undefined) set.template_id = templateId;
      if (u.note !== undefined) set.note = u.note;
      if (u.settings !== undefined) set.settings = mergeSettings(settingsOf(vm), u.settings);
      await trx.updateTable('vms').set(set).where('id', '=', id).execute();
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: id,
        ctx,
        payload: { action: 'update_definition' },
        result: { type: 'vm', id },
      });
    });
  }

  /** Removes a defined VM with its disks and NICs (addresses released, quota back); one finished task. */
  async deleteDefinition(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, id);
      requireState(vm, ['defined'], 'delete the definition of');
      await this.checkNoTask(trx, id);
      await trx
        .updateTable('volumes')
        .set({ state: 'Destroy', removed_at: nowIso() })
        .where('vm_id', '=', id)
        .where('removed_at', 'is', null)
        .execute();
      await expungeVm(trx, this.deps.store.kind, vm);
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: id,
        ctx,
        payload: { action: 'delete_definition' },
        result: { type: 'vm', id },
      });
    });
  }

  /** Deploys a defined VM: state creating and the vm.create task that places, creates and starts it. Needs a disk. */
  async deploy(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const taskId = await this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, id);
      requireState(vm, ['defined'], 'deploy');
      const disk = await trx
        .selectFrom('volumes')
        .select('id')
        .where('vm_id', '=', id)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!disk) throw conflict('The virtual machine has no disk; define one before deploying it', 'precondition');
      await this.moveState(trx, vm, 'creating');
      return enqueueTask(this.deps.store, trx, {
        kind: 'vm.create',
        objectType: 'virtual machine',
        objectId: id,
        payload: { start: true, deploy: true },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** Removes a stopped VM from its host (its disks' data too) and keeps its definition, NICs and addresses. */
  async undeploy(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const taskId = await this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, id);
      requireState(vm, ['stopped'], 'undeploy');
      await this.moveState(trx, vm, 'destroying');
      return enqueueTask(this.deps.store, trx, {
        kind: 'vm.undeploy',
        objectType: 'virtual machine',
        objectId: id,
        payload: { from: vm.state },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** Moves the VM from its current state to `to`, or Conflict busy when a concurrent call moved it first. */
  private async moveState(trx: Q, vm: VmRow, to: VmState): Promise<void> {
    const r = await trx
      .updateTable('vms')
      .set({ state: to, updated_at: nowIso() })
      .where('id', '=', vm.id)
      .where('state', '=', vm.state)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0)
      throw conflict('The virtual machine is busy with another operation; try again when it has finished', 'busy');
  }

  /** Conflict busy when a task holds the VM. */
  async checkNoTask(q: Q, id: string): Promise<void> {
    const busy = await q
      .selectFrom('tasks')
      .select('id')
      .where('object_id', '=', id)
      .where('exclusive', '=', 1)
      .where('status', 'in', ['PENDING', 'STARTED'])
      .executeTakeFirst();
    if (busy) throw conflict('The virtual machine is busy with another operation', 'busy');
  }
}
