/** VmService: list, get, deploy and update VMs, with every read and write checked against the caller's account. */
import { sql } from 'kysely';
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso, randomToken, toFlag } from '../../lib/util.js';
import { automaticMac } from './macs.js';
import { leaseAddress } from '../networks/ipam.js';
import { enqueueTask } from '../../tasks/queue.js';
import { writeLog } from '../../tasks/log.js';
import type { Page } from '../../lib/page.js';
import { loadVmViews, type VmView } from './model.js';
import { checkDisplayName, checkHostname, checkUserdata, rootDiskBytes } from './rules.js';
import { taggedIds } from '../tags/service.js';
import { bumpLiveVms, liveVms } from './counts.js';
import { countedPage } from '../../store/page.js';
import { reserveQuota } from '../quotas/service.js';

/** Filters of a VM list. */
export interface VmFilter {
  id?: string; ids?: string[]; name?: string; keyword?: string; state?: string[]; zoneId?: string; templateId?: string;
  networkId?: string; affinityGroupId?: string; securityGroupId?: string; hostname?: string;
  tags?: Array<{ key: string; value?: string }>; page?: number; pageSize?: number; includeRemoved?: boolean;
}

/** Inputs of a deploy. */
export interface DeployInput {
  zoneId: string; serviceOfferingId: string; templateId: string; name?: string; displayName?: string; group?: string;
  keypair?: string; userdata?: string; userdataMax?: number; rootDiskSizeGb?: number; securityGroupIds?: string[];
  securityGroupNames?: string[]; affinityGroupIds?: string[]; affinityGroupNames?: string[]; networkIds?: string[];
  ipAddress?: string; startVm?: boolean; displayVm?: boolean;
}

/** Changes accepted by update. */
export interface VmUpdate {
  name?: string; displayName?: string; group?: string; userdata?: string; userdataMax?: number;
  securityGroupIds?: string[]; displayVm?: boolean;
}

/** Reads and creates VMs; power operations live in VmLifecycle. */
export class VmService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the caller's VMs and the total count. */
  async list(ctx: CallContext, f: VmFilter = {}): Promise<Page<VmView>> {
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
      q = q.where((eb) => eb.or([eb(eb.fn('lower', ['vms.name']), 'like', k), eb(eb.fn('lower', ['vms.display_name']), 'like', k)]));
    }
    if (f.networkId) q = q.where('vms.id', 'in', (eb) => eb.selectFrom('nics').select('vm_id').where('network_id', '=', f.networkId!));
    if (f.affinityGroupId) q = q.where('vms.id', 'in', (eb) => eb.selectFrom('vm_affinity_groups').select('vm_id').where('group_id', '=', f.affinityGroupId!));
    if (f.securityGroupId) q = q.where('vms.id', 'in', (eb) => eb.selectFrom('vm_security_groups').select('vm_id').where('group_id', '=', f.securityGroupId!));
    if (f.tags?.length) {
      q = q.where('vms.id', 'in', taggedIds(db, ctx.accountId, f.tags));
    }
    const unfiltered = Object.entries(f).every(([k, v]) => v === undefined || k === 'page' || k === 'pageSize');
    const known = unfiltered ? await liveVms(db, ctx.accountId) : undefined;
    const { count, rows } = await countedPage(q, q.selectAll('vms').orderBy('vms.created_at').orderBy('vms.id'), f, known);
    return { count, items: await loadVmViews(db, this.deps.catalog, rows) };
  }

  /** One of the caller's VMs, or NotFound (also for another account's VM). */
  async get(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<VmView> {
    const row = await this.row(this.deps.store.db, ctx, id, opts);
    const [view] = await loadVmViews(this.deps.store.db, this.deps.catalog, [row]);
    return view!;
  }

  /** The caller's VM row, or NotFound. */
  async row(q: Q, ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<VmRow> {
    const row = await q.selectFrom('vms').selectAll().where('id', '=', id).where('account_id', '=', ctx.accountId).executeTakeFirst();
    if (!row || (row.removed_at && !opts.includeRemoved)) throw notFound('virtual machine', id, 'vm');
    return row;
  }

  /** Creates a VM with its root volume, NIC and groups, and enqueues vm.create; returns the VM's id and the task. */
  async deploy(ctx: CallContext, input: DeployInput): Promise<{ id: string; taskId: string; password: string | null }> {
    const { catalog, store } = this.deps;
    const zone = await catalog.zone(input.zoneId);
    const offering = await catalog.serviceOffering(input.serviceOfferingId);
    if (offering.authorized !== 1) throw invalid(`Service offering ${offering.name} is not authorized for this account`, 'serviceofferingid');
    const template = await catalog.template(ctx, input.templateId);
    if (template.zone_id && template.zone_id !== zone.id) throw invalid(`Template ${template.name} is not available in zone ${zone.name}`, 'templateid');
    if (template.ready !== 1) throw invalid(`Template ${template.name} is not ready`, 'templateid');
    const rootSize = rootDiskBytes(input.rootDiskSizeGb, Number(template.size));
    const userdata = input.userdata !== undefined && input.userdata !== '' ? checkUserdata(input.userdata, input.userdataMax) : null;
    if (input.displayName !== undefined) checkDisplayName(input.displayName);
    if (input.securityGroupIds?.length && input.securityGroupNames?.length) throw invalid('securitygroupids and securitygroupnames are mutually exclusive', 'securitygroupids');
    if (input.affinityGroupIds?.length && input.affinityGroupNames?.length) throw invalid('affinitygroupids and affinitygroupnames are mutually exclusive', 'affinitygroupids');
    const id = newId();
    const name = input.name ?? `VM-${id}`;
    if (input.name !== undefined) checkHostname(input.name);
    const password = template.password_enabled === 1 ? randomToken(9).replace(/[-_]/g, 'x').slice(0, 12) : null;
    const now = nowIso();
    const startVm = input.startVm ?? true;
    const taskId = await store.tx(async (trx) => {
      await reserveQuota(this.deps, trx, ctx.accountId, {
        vms: 1, cpus: offering.cpu_number, memoryMb: offering.memory, volumes: 1, storageBytes: rootSize,
      });
      if (input.keypair) {
        const kp = await trx.selectFrom('ssh_keys').select('id').where('account_id', '=', ctx.accountId).where('name', '=', input.keypair).executeTakeFirst();
        if (!kp) throw invalid(`A key pair named ${input.keypair} does not exist`, 'keypair');
      }
      const dup = await trx.selectFrom('vms').select('id').where('account_id', '=', ctx.accountId).where('name', '=', name)
        .where('removed_at', 'is', null).executeTakeFirst();
      if (dup) throw conflict(`A virtual machine named ${name} already exists in this account`, 'exists');
      const sgIds = await this.resolveGroups(trx, ctx, 'security_groups', input.securityGroupIds, input.securityGroupNames, 'securitygroup');
      const agIds = await this.resolveGroups(trx, ctx, 'affinity_groups', input.affinityGroupIds, input.affinityGroupNames, 'affinitygroup');
      if (sgIds.length === 0) {
        const def = await trx.selectFrom('security_groups').select('id').where('account_id', '=', ctx.accountId).where('name', '=', 'default').executeTakeFirst();
        if (def) sgIds.push(def.id);
      }
      const serial = await nextSerial(trx);
      await bumpLiveVms(trx, ctx.accountId, 1);
      await trx.insertInto('vms').values({
        id, serial, account_id: ctx.accountId, zone_id: zone.id, host_id: null, name, display_name: input.displayName ?? name,
        group_name: input.group ?? null, state: 'creating', power: 'stopped', service_offering_id: offering.id,
        template_id: template.id, cpu_number: offering.cpu_number, cpu_speed: offering.cpu_speed, memory: offering.memory,
        keypair: input.keypair ?? null, userdata, password_enc: password ? this.deps.secrets.encrypt(password) : null,
        ha_enable: 0, display_vm: toFlag(input.displayVm ?? true), root_disk_size: rootSize, created_at: now, updated_at: now, removed_at: null,
      }).execute();
      await trx.insertInto('volumes').values({
        id: newId(), account_id: ctx.accountId, zone_id: zone.id, name: `ROOT-${serial}`, type: 'ROOT', size: rootSize,
        disk_offering_id: null, template_id: template.id, vm_id: id, device_id: 0, state: 'Allocated', created_at: now,
        attached_at: now, removed_at: null,
      }).execute();
      await this.addDefaultNic(trx, ctx, id, serial, zone.id, input.networkIds, input.ipAddress);
      for (const g of sgIds) await trx.insertInto('vm_security_groups').values({ vm_id: id, group_id: g }).execute();
      for (const g of agIds) await trx.insertInto('vm_affinity_groups').values({ vm_id: id, group_id: g }).execute();
      return enqueueTask(store, trx, { kind: 'vm.create', objectType: 'virtual machine', objectId: id, payload: { start: startVm }, ctx, fresh: true });
    });
    this.deps.tasks.wake();
    return { id, taskId, password };
  }

  /** Changes names, group, user data and security groups; applies at the next start like CloudStack. */
  async update(ctx: CallContext, id: string, u: VmUpdate): Promise<VmView> {
    if (u.name !== undefined) checkHostname(u.name);
    if (u.displayName !== undefined) checkDisplayName(u.displayName);
    const userdata = u.userdata !== undefined ? checkUserdata(u.userdata, u.userdataMax) : undefined;
    await this.deps.store.tx(async (trx) => {
      const vm = await this.row(trx, ctx, id);
      if (u.name !== undefined && u.name !== vm.name) {
        const dup = await trx.selectFrom('vms').select('id').where('account_id', '=', ctx.accountId).where('name', '=', u.name)
          .where('removed_at', 'is', null).executeTakeFirst();
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
        const ids = await this.resolveGroups(trx, ctx, 'security_groups', u.securityGroupIds, undefined, 'securitygroup');
        await trx.deleteFrom('vm_security_groups').where('vm_id', '=', id).execute();
        for (const g of ids) await trx.insertInto('vm_security_groups').values({ vm_id: id, group_id: g }).execute();
      }
      await writeLog(trx, {
        taskId: null, accountId: ctx.accountId, userId: ctx.userId, objectType: 'virtual machine', objectId: id, action: 'vm.update', status: 'SUCCESS',
      });
    });
    return this.get(ctx, id);
  }

  /** Resolves group ids or names of the caller's account, NotFound-style Invalid for unknown ones. */
  async resolveGroups(q: Q, ctx: CallContext, table: 'security_groups' | 'affinity_groups', ids?: string[], names?: string[], what = 'group'): Promise<string[]> {
    const wanted = ids?.length ? ids : names?.length ? names : [];
    if (wanted.length === 0) return [];
    const col = ids?.length ? 'id' : 'name';
    const rows = await q.selectFrom(table).select(['id', 'name']).where('account_id', '=', ctx.accountId).where(col, 'in', wanted).execute();
    for (const w of wanted) {
      if (!rows.some((r) => (col === 'id' ? r.id : r.name) === w)) throw invalid(`Unable to find ${what} ${w}`, `${what}${col === 'id' ? 'ids' : 'names'}`);
    }
    return [...new Set(rows.map((r) => r.id))];
  }

  async addDefaultNic(q: Q, ctx: CallContext, vmId: string, serial: number, zoneId: string, networkIds?: string[], ip?: string): Promise<void> {
    const shared = await q.selectFrom('networks').selectAll().where('zone_id', '=', zoneId).where('type', '=', 'Shared')
      .where('removed_at', 'is', null).orderBy('created_at').executeTakeFirst();
    if (!shared) throw invalid('The zone has no guest network', 'zoneid');
    const nets = [shared];
    for (const nid of networkIds ?? []) {
      if (nid === shared.id) continue;
      const n = await q.selectFrom('networks').selectAll().where('id', '=', nid).where('removed_at', 'is', null)
        .where((eb) => eb.or([eb('account_id', '=', ctx.accountId), eb('account_id', 'is', null)])).executeTakeFirst();
      if (!n || n.type === 'ElasticIP') throw invalid(`Unable to find network ${nid}`, 'networkids');
      if (n.zone_id !== zoneId) throw invalid(`Network ${nid} is not in the VM's zone`, 'networkids');
      nets.push(n);
    }
    for (const [i, n] of nets.entries()) {
      const nicId = newId();
      const address = n.managed === 1 || n.type === 'Shared' ? await leaseAddress(q, n, nicId, i === 0 ? ip : undefined) : null;
      await q.insertInto('nics').values({
        id: nicId, vm_id: vmId, network_id: n.id, ip_address: address, ip6_address: null,
        mac_address: await automaticMac(q, serial, i), is_default: i === 0 ? 1 : 0, device_id: i, created_at: nowIso(),
      }).execute();
    }
  }
}

/** The next VM serial (CVM's integer id), from a counter row that serializes concurrent deploys. */
export async function nextSerial(q: Q): Promise<number> {
  const r = await sql<{ value: number }>`update counters set value = value + 1 where name = 'vm_serial' returning value`.execute(q);
  return Number(r.rows[0]!.value);
}
