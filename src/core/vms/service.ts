/** VmService: list, get, create, clone, update, reshape and power VMs for every dialect, every call checked against the caller's account. */
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, notFound } from '../../lib/errors.js';
import { nowIso, toFlag } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import type { Page } from '../../lib/page.js';
import type { VolumeService } from '../volumes/service.js';
import { loadVmViews, type VmView } from './model.js';
import { checkDisplayName, checkHostname, checkUserdata } from './rules.js';
import { taggedIds } from '../tags/service.js';
import { liveVms } from './counts.js';
import { countedPage } from '../../store/page.js';
import { requestedSecurityGroups, vmRow } from './rows.js';
import { createVm, type VmCreateInput, type VmCreated } from './create.js';
import { cloneVm, type VmCloneInput } from './clone.js';
import { VmLifecycle } from './lifecycle.js';
import { VmSizing, type VmExtras, type VmReshape } from './sized.js';
import { liveStatus, type VmLiveStatus } from './status.js';
import { VmDefinitions, type VmDefineInput, type VmDefinitionUpdate } from './definition.js';
import { migrateVm } from './migrate.js';
import { VmDefinedDisks } from './define-disks.js';
import { VmListCache } from './list-cache.js';
import { definitionExtras, pendingTasks, type PendingTask, type VmDefinitionExtras } from './definition-views.js';

/** Filters of a VM list. */
export interface VmFilter {
  id?: string;
  ids?: string[];
  name?: string;
  keyword?: string;
  state?: string[];
  zoneId?: string;
  templateId?: string;
  networkId?: string;
  affinityGroupId?: string;
  securityGroupId?: string;
  hostname?: string;
  tags?: Array<{ key: string; value?: string }>;
  page?: number;
  pageSize?: number;
  includeRemoved?: boolean;
}

/** Changes accepted by update. */
export interface VmUpdate {
  name?: string;
  displayName?: string;
  group?: string;
  userData?: string;
  userDataMax?: number;
  securityGroupIds?: string[];
  displayVm?: boolean;
}

/** What a synchronous VM change answers: the receipt of its finished task and the VM as it is now. */
export interface VmChanged {
  receipt: TaskReceipt;
  vm: VmView;
}

export type { VmDefinitionExtras };

/** The one VM service every dialect uses: reads, creates, clones, reshapes and powers VMs. */
export class VmService {
  private readonly lifecycle: VmLifecycle;
  private readonly sizing: VmSizing;
  private readonly defs: VmDefinitions;
  private readonly pages: VmListCache;
  /** The disks of VM definitions by 1-based index (add, update, remove, list; changes only while defined). */
  readonly disks: VmDefinedDisks;

  constructor(
    private readonly deps: CoreDeps,
    private readonly volumes: VolumeService,
  ) {
    this.lifecycle = new VmLifecycle(deps);
    this.sizing = new VmSizing(deps);
    this.defs = new VmDefinitions(deps);
    this.disks = new VmDefinedDisks(deps);
    this.pages = new VmListCache(deps.store.dataVersion, deps.config.listCacheItems);
  }

  /** One page of the caller's VMs and the total count; served from the list cache while the data is unchanged (read-only views). */
  list(ctx: CallContext, f: VmFilter = {}): Promise<Page<VmView>> {
    return this.pages.get(`${ctx.accountId}\n${JSON.stringify(f)}`, () => this.readPage(ctx, f), ctx.dataVersion);
  }

  private async readPage(ctx: CallContext, f: VmFilter): Promise<Page<VmView>> {
    const db = this.deps.store.db;
    let q = db.selectFrom('vms').where('vms.account_id', '=', ctx.accountId);
    if (!f.includeRemoved) q = q.where('vms.removed_at', 'is', null);
    if (f.id) q = q.where('vms.id', '=', f.id);
    if (f.ids) q = q.where('vms.id', 'in', f.ids.length ? f.ids : ['']);
    if (f.name) q = q.where('vms.name', '=', f.name);
    if (f.hostname) q = q.where('vms.name', '=', f.hostname);
    if (f.state?.length) q = q.where('vms.state', 'in', f.state);
    if (f.zoneId) q = q.where('vms.zone_id', '=', f.zoneId);
    if (f.templateId) q = q.where('vms.template_id', '=', f.templateId);
    if (f.keyword) {
      const k = `%${f.keyword.toLowerCase()}%`;
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['vms.name']), 'like', k), eb(eb.fn('lower', ['vms.display_name']), 'like', k)]),
      );
    }
    if (f.networkId)
      q = q.where('vms.id', 'in', (eb) => eb.selectFrom('nics').select('vm_id').where('network_id', '=', f.networkId!));
    if (f.affinityGroupId)
      q = q.where('vms.id', 'in', (eb) =>
        eb.selectFrom('vm_affinity_groups').select('vm_id').where('group_id', '=', f.affinityGroupId!),
      );
    if (f.securityGroupId)
      q = q.where('vms.id', 'in', (eb) =>
        eb.selectFrom('vm_security_groups').select('vm_id').where('group_id', '=', f.securityGroupId!),
      );
    if (f.tags?.length) {
      q = q.where('vms.id', 'in', taggedIds(db, ctx.accountId, f.tags));
    }
    const unfiltered = Object.entries(f).every(([k, v]) => v === undefined || k === 'page' || k === 'pageSize');
    const known = unfiltered ? liveVms(db, this.deps.store.kind, ctx.accountId) : undefined;
    const { count, rows } = await countedPage(
      q,
      q.selectAll('vms').orderBy('vms.created_at').orderBy('vms.id'),
      f,
      known,
    );
    return { count, items: await loadVmViews(db, this.deps.catalog, rows) };
  }

  /** One of the caller's VMs, or NotFound (also for another account's VM). */
  async get(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<VmView> {
    const row = await this.row(this.deps.store.db, ctx, id, opts);
    const [view] = await loadVmViews(this.deps.store.db, this.deps.catalog, [row]);
    return view!;
  }

  /** The caller's VM row, or NotFound. */
  row(q: Q, ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<VmRow> {
    return vmRow(q, ctx, id, opts);
  }

  /** Creates a VM (from an offering and template, or by explicit size on the caller's volumes) and enqueues vm.create. */
  create(ctx: CallContext, input: VmCreateInput): Promise<VmCreated> {
    return createVm(this.deps, ctx, input);
  }

  /** Clones one of the caller's VMs with copies of its volumes (see cloneVm); answered when the definition task is queued. */
  async clone(ctx: CallContext, id: string, input: VmCloneInput): Promise<VmCreated> {
    return cloneVm(this.deps, this.volumes, ctx, await this.get(ctx, id), input);
  }

  /** The caller's live VM with this serial, or NotFound naming `what` (another account's VM too). */
  async bySerial(ctx: CallContext, serial: number, what = 'virtual machine'): Promise<VmView> {
    if (!Number.isSafeInteger(serial) || serial < 1) throw notFound(what, String(serial), 'vm');
    const row = await this.deps.store.db
      .selectFrom('vms')
      .select('id')
      .where('serial', '=', serial)
      .where('account_id', '=', ctx.accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound(what, String(serial), 'vm');
    return this.get(ctx, row.id);
  }

  /** The live power and usage of one of the caller's VMs, as its hypervisor reports them. */
  liveStatus(vm: VmView): Promise<VmLiveStatus> {
    return liveStatus(this.deps, vm);
  }

  /** Starts a stopped VM (placing it on a host), or deploys a defined one; returns the receipt of its task. */
  async start(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const vm = await this.row(this.deps.store.db, ctx, id);
    return vm.state === 'defined' ? this.defs.deploy(ctx, id) : this.lifecycle.start(ctx, id);
  }

  /** Stops a running VM; force skips the graceful shutdown. Returns the receipt of its task. */
  stop(ctx: CallContext, id: string, force = false): Promise<TaskReceipt> {
    return this.lifecycle.stop(ctx, id, force);
  }

  /** Reboots a running VM; returns the receipt of its task. */
  reboot(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.lifecycle.reboot(ctx, id);
  }

  /** Moves a running or stopped VM to another host of its zone (hostId, or the best other one); returns the receipt of its task. */
  migrate(ctx: CallContext, id: string, opts: { hostId?: string } = {}): Promise<TaskReceipt> {
    return migrateVm(this.deps, ctx, id, opts);
  }

  /** Destroys a VM: its root volume and addresses are released and data volumes detached. Returns the receipt of its task. */
  async destroy(ctx: CallContext, id: string, expunge = true): Promise<TaskReceipt> {
    const vm = await this.row(this.deps.store.db, ctx, id);
    return vm.state === 'defined' ? this.defs.deleteDefinition(ctx, id) : this.lifecycle.destroy(ctx, id, expunge);
  }

  /** One of the caller's live VMs by host name or id, or NotFound (also for another account's VM). */
  async byNameOrId(ctx: CallContext, ref: string): Promise<VmView> {
    return this.get(ctx, (await this.defs.byNameOrId(this.deps.store.db, ctx, ref)).id);
  }

  /** Defines a VM (state defined, on no host, quota reserved); disks and NICs follow, then deploy. One finished task. */
  define(ctx: CallContext, input: VmDefineInput): Promise<TaskReceipt> {
    return this.defs.define(ctx, input);
  }

  /** Changes the size, names, template, note or settings of a defined or stopped VM; one finished task. */
  updateDefinition(ctx: CallContext, id: string, u: VmDefinitionUpdate): Promise<TaskReceipt> {
    return this.defs.updateDefinition(ctx, id, u);
  }

  /** Removes a defined VM with its disks and NICs; one finished task. */
  deleteDefinition(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.defs.deleteDefinition(ctx, id);
  }

  /** Deploys a defined VM with at least one disk: placed, its disks created, started (task vm.create). */
  deploy(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.defs.deploy(ctx, id);
  }

  /** Takes a stopped VM off its host back to its definition (task vm.undeploy); NICs keep their addresses. */
  undeploy(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.defs.undeploy(ctx, id);
  }

  /** The unfinished tasks (PENDING or STARTED) of the caller's VMs by VM id, oldest first. */
  pendingTasks(ctx: CallContext, vmIds: string[]): Promise<Map<string, PendingTask[]>> {
    return pendingTasks(this.deps.store.db, ctx, vmIds);
  }

  /** The definition parts (note, settings, disks, NIC models) of the caller's VMs by id. */
  definitions(ctx: CallContext, vms: VmView[]): Promise<Map<string, VmDefinitionExtras>> {
    return definitionExtras(this.deps.store.db, ctx, vms);
  }

  /** Rebuilds the root volume from the template (or a new one), keeping the VM's power state; returns the receipt of its task. */
  restore(ctx: CallContext, id: string, templateId?: string, rootDiskSizeGb?: number): Promise<TaskReceipt> {
    return this.lifecycle.restore(ctx, id, templateId, rootDiskSizeGb);
  }

  /** Resizes a stopped VM to another offering synchronously; returns the receipt of its finished task. */
  resize(ctx: CallContext, id: string, offeringId: string): Promise<TaskReceipt> {
    return this.lifecycle.changeOffering(ctx, id, offeringId);
  }

  /** Resizes a stopped VM to another offering synchronously (one finished task) and returns it beside the receipt. */
  async changeOffering(ctx: CallContext, id: string, offeringId: string): Promise<VmChanged> {
    const receipt = await this.lifecycle.changeOffering(ctx, id, offeringId);
    return { receipt, vm: await this.get(ctx, id) };
  }

  /** Renames a VM made by size or changes its size, drives, MAC or extras (see VmReshape). */
  reshape(ctx: CallContext, id: string, input: VmReshape): Promise<TaskReceipt> {
    return this.sizing.reshape(ctx, id, input);
  }

  /** Extras of the caller's VMs by id (see VmExtras). */
  extras(ctx: CallContext, ids: string[]): Promise<Map<string, VmExtras>> {
    return this.sizing.extras(ctx, ids);
  }

  /** Sets a new password on a stopped VM whose template supports it; the task result carries it once. */
  resetPassword(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.lifecycle.resetPassword(ctx, id);
  }

  /** The VM's password encrypted with its RSA SSH key and base64-encoded. */
  encryptedPassword(ctx: CallContext, id: string): Promise<string> {
    return this.lifecycle.encryptedPassword(ctx, id);
  }

  /** The VM's current root password in clear for its owner, or null when it has none (key login only). */
  async password(ctx: CallContext, id: string): Promise<string | null> {
    const row = await this.row(this.deps.store.db, ctx, id);
    return row.password_enc ? this.deps.secrets.decrypt(row.password_enc) : null;
  }

  /** Decrypts a password stored in a task result, for the one answer that reveals it. */
  revealPassword(enc: string): string {
    return this.lifecycle.revealPassword(enc);
  }

  /** Changes names, group, user data and security groups; applies at the next start like CloudStack. */
  async update(ctx: CallContext, id: string, u: VmUpdate): Promise<VmChanged> {
    if (u.name !== undefined) checkHostname(u.name);
    if (u.displayName !== undefined) checkDisplayName(u.displayName);
    const userdata = u.userData !== undefined ? checkUserdata(u.userData, u.userDataMax) : undefined;
    const receipt = await this.deps.store.tx(async (trx) => {
      const vm = await this.row(trx, ctx, id);
      if (u.name !== undefined && u.name !== vm.name) {
        const dup = await trx
          .selectFrom('vms')
          .select('id')
          .where('account_id', '=', ctx.accountId)
          .where('name', '=', u.name)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        if (dup) throw conflict(`A virtual machine named ${u.name} already exists in this account`, 'exists');
      }
      const set: Partial<VmRow> = { updated_at: nowIso() };
      if (u.name !== undefined) set.name = u.name;
      if (u.displayName !== undefined) set.display_name = u.displayName;
      if (u.group !== undefined) set.group_name = u.group;
      if (userdata !== undefined) set.userdata = userdata || null;
      if (u.displayVm !== undefined) set.display_vm = toFlag(u.displayVm);
      await trx.updateTable('vms').set(set).where('id', '=', id).execute();
      if (u.securityGroupIds) {
        const ids = await requestedSecurityGroups(trx, ctx, { securityGroupIds: u.securityGroupIds });
        await trx.deleteFrom('vm_security_groups').where('vm_id', '=', id).execute();
        for (const g of ids) await trx.insertInto('vm_security_groups').values({ vm_id: id, group_id: g }).execute();
      }
      return recordSyncChange(trx, { objectType: 'virtual machine', objectId: id, ctx, payload: { action: 'update' } });
    });
    return { receipt, vm: await this.get(ctx, id) };
  }
}
