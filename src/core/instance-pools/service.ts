/**
 * InstancePoolService: pools of identical VMs kept at their size. Calls change the pool's row and queue its reconcile
 * (reconcile.ts) in one transaction; members are ordinary VMs, visible in every dialect, linked to the pool.
 */
import type { Transaction } from 'kysely';
import type { DB, InstancePoolRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import type { Q } from '../../store/db.js';
import { countedPage } from '../../store/page.js';
import { observeTaskEnds } from '../../tasks/observers.js';
import { recordSyncChange } from '../sync-change.js';
import { resolveGroups } from '../vms/rows.js';
import { checkUserdata, rootDiskBytes } from '../vms/rules.js';
import { prepareOfferingVm } from '../vms/create-offering.js';
import { checkAntiAffinityRoom, checkSize, poolViews, type InstancePoolView } from './model.js';
import { POOL_OBJECT, onMemberTaskEnds, queueReconcile } from './trigger.js';

/** What a new pool is made of (the settings of its members, and how many). */
export interface InstancePoolInput {
  name: string;
  description?: string;
  size: number;
  zoneId: string;
  serviceOfferingId: string;
  templateId: string;
  rootDiskSizeGb?: number;
  keyPair?: string;
  userData?: string;
  securityGroupIds?: string[];
  antiAffinityGroupIds?: string[];
  networkIds?: string[];
}

/** Changes accepted by update; they apply to members deployed from then on. */
export interface InstancePoolUpdate {
  name?: string;
  description?: string;
  templateId?: string;
  userData?: string;
  rootDiskSizeGb?: number;
  antiAffinityGroupIds?: string[];
}

/** Filters of a pool list. */
export interface InstancePoolFilter {
  id?: string;
  zoneId?: string;
  page?: number;
  pageSize?: number;
}

const MAX_TEXT = 255;

/** Checks a pool name or description: printable, at most 255 characters, and (names) not empty. */
function checkText(value: string, field: 'name' | 'description'): string {
  if (field === 'name' && value.trim() === '') throw invalid('The Instance Pool name must not be empty', field);
  if (value.length > MAX_TEXT)
    throw invalid(`The Instance Pool ${field} must be at most ${MAX_TEXT} characters`, field);
  if (/[\x00-\x1f\x7f]/.test(value))
    throw invalid(`The Instance Pool ${field} must not contain control characters`, field);
  return value;
}

/** Creates, changes, scales, destroys and lists the caller's instance pools. */
export class InstancePoolService {
  constructor(private readonly deps: CoreDeps) {
    observeTaskEnds('instance-pools', onMemberTaskEnds);
  }

  /** One page of the caller's pools (in a zone when given) with their members, and the total count. */
  async list(ctx: CallContext, f: InstancePoolFilter = {}): Promise<Page<InstancePoolView>> {
    const db = this.deps.store.db;
    let q = db.selectFrom('instance_pools').where('account_id', '=', ctx.accountId);
    if (f.id) q = q.where('id', '=', f.id);
    if (f.zoneId) q = q.where('zone_id', '=', f.zoneId);
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), f);
    return { count, items: await poolViews(db, rows) };
  }

  /** One of the caller's pools (in zoneId when given), or NotFound (also for another account's pool). */
  async get(ctx: CallContext, id: string, zoneId?: string): Promise<InstancePoolView> {
    const row = await this.row(this.deps.store.db, ctx, id, zoneId);
    return (await poolViews(this.deps.store.db, [row]))[0]!;
  }

  /** Creates a pool in state `creating`; its reconcile deploys the members. */
  async create(ctx: CallContext, input: InstancePoolInput): Promise<InstancePoolView> {
    const name = checkText(input.name, 'name');
    const description = checkText(input.description ?? '', 'description');
    const size = checkSize(input.size);
    const userdata = input.userData ? checkUserdata(input.userData) : null;
    // The catalog checks a member deploy makes (zone, offering, template, disk size), made once now.
    await prepareOfferingVm(this.deps, ctx, {
      zoneId: input.zoneId,
      offeringId: input.serviceOfferingId,
      templateId: input.templateId,
      rootDiskSizeGb: input.rootDiskSizeGb,
    });
    const id = newId();
    await this.deps.store.tx(async (trx) => {
      if (input.keyPair) await this.checkKeyPair(trx, ctx, input.keyPair);
      const sgIds = await resolveGroups(
        trx,
        ctx,
        'security_groups',
        input.securityGroupIds,
        undefined,
        'security group',
        'securityGroup',
      );
      const agIds = await this.antiAffinityGroups(trx, ctx, input.antiAffinityGroupIds ?? []);
      const netIds = await this.networks(trx, ctx, input.zoneId, input.networkIds ?? []);
      await checkAntiAffinityRoom(trx, ctx.accountId, agIds, size, null);
      const now = nowIso();
      await trx
        .insertInto('instance_pools')
        .values({
          id,
          account_id: ctx.accountId,
          zone_id: input.zoneId,
          name,
          description,
          size,
          service_offering_id: input.serviceOfferingId,
          template_id: input.templateId,
          root_disk_gb: input.rootDiskSizeGb ?? null,
          keypair: input.keyPair ?? null,
          userdata,
          security_group_ids: JSON.stringify(sgIds),
          affinity_group_ids: JSON.stringify(agIds),
          network_ids: JSON.stringify(netIds),
          state: 'creating',
          error: null,
          failures: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await this.changed(trx, ctx, id, 'create');
    });
    this.deps.tasks.wake();
    return this.get(ctx, id);
  }

  /** Changes names, template, user data, disk size or anti-affinity groups of members deployed from now on. */
  async update(ctx: CallContext, id: string, u: InstancePoolUpdate, zoneId?: string): Promise<InstancePoolView> {
    if (u.name !== undefined) checkText(u.name, 'name');
    if (u.description !== undefined) checkText(u.description, 'description');
    const userdata = u.userData !== undefined ? (u.userData === '' ? null : checkUserdata(u.userData)) : undefined;
    const before = await this.row(this.deps.store.db, ctx, id, zoneId);
    const templateId = u.templateId ?? before.template_id;
    if (u.templateId !== undefined || u.rootDiskSizeGb !== undefined) {
      const template = await this.deps.catalog.template(ctx, templateId);
      if (template.zone_id && template.zone_id !== before.zone_id)
        throw invalid(`Template ${template.name} is not available in the zone of the Instance Pool`, 'templateId');
      if (template.ready !== 1) throw invalid(`Template ${template.name} is not ready`, 'templateId');
      rootDiskBytes(u.rootDiskSizeGb ?? before.root_disk_gb ?? undefined, Number(template.size));
    }
    await this.deps.store.tx(async (trx) => {
      const pool = await this.writable(trx, ctx, id, zoneId);
      const set: Partial<InstancePoolRow> = { updated_at: nowIso(), failures: 0 };
      if (u.name !== undefined) set.name = u.name;
      if (u.description !== undefined) set.description = u.description;
      if (u.templateId !== undefined) set.template_id = u.templateId;
      if (userdata !== undefined) set.userdata = userdata;
      if (u.rootDiskSizeGb !== undefined) set.root_disk_gb = u.rootDiskSizeGb;
      if (u.antiAffinityGroupIds !== undefined) {
        const agIds = await this.antiAffinityGroups(trx, ctx, u.antiAffinityGroupIds);
        await checkAntiAffinityRoom(trx, ctx.accountId, agIds, Number(pool.size), pool.id);
        set.affinity_group_ids = JSON.stringify(agIds);
      }
      await trx.updateTable('instance_pools').set(set).where('id', '=', pool.id).execute();
      await this.changed(trx, ctx, pool.id, 'update');
    });
    this.deps.tasks.wake();
    return this.get(ctx, id);
  }

  /** Sets the pool's size; its reconcile deploys or removes members until it has that many. */
  async scale(ctx: CallContext, id: string, size: number, zoneId?: string): Promise<InstancePoolView> {
    checkSize(size);
    await this.deps.store.tx(async (trx) => {
      const pool = await this.writable(trx, ctx, id, zoneId);
      const { antiAffinityGroupIds, vmIds } = (await poolViews(trx, [pool]))[0]!;
      await checkAntiAffinityRoom(trx, ctx.accountId, antiAffinityGroupIds, size, pool.id);
      const state =
        pool.state === 'creating'
          ? 'creating'
          : size > vmIds.length
            ? 'scaling-up'
            : size < vmIds.length
              ? 'scaling-down'
              : pool.state;
      await trx
        .updateTable('instance_pools')
        .set({ size, state, error: null, failures: 0, updated_at: nowIso() })
        .where('id', '=', pool.id)
        .execute();
      await this.changed(trx, ctx, pool.id, 'scale');
    });
    this.deps.tasks.wake();
    return this.get(ctx, id);
  }

  /** Destroys the pool: state `destroying` until its reconcile has destroyed every member, then the pool is gone. */
  async destroy(ctx: CallContext, id: string, zoneId?: string): Promise<void> {
    await this.deps.store.tx(async (trx) => {
      const pool = await this.row(trx, ctx, id, zoneId);
      if (pool.state === 'destroying') return;
      await trx
        .updateTable('instance_pools')
        .set({ state: 'destroying', error: null, updated_at: nowIso() })
        .where('id', '=', pool.id)
        .execute();
      await this.changed(trx, ctx, pool.id, 'destroy');
    });
    this.deps.tasks.wake();
  }

  /** Records a synchronous change of the pool and queues its reconcile, in the caller's transaction. */
  private async changed(trx: Transaction<DB>, ctx: CallContext, poolId: string, action: string): Promise<void> {
    await recordSyncChange(trx, { objectType: POOL_OBJECT, objectId: poolId, ctx, payload: { action } });
    await queueReconcile(trx, poolId, { accountId: ctx.accountId, userId: ctx.userId, origin: ctx.origin });
  }

  /** The caller's pool, or NotFound; in zoneId when given. */
  private async row(q: Q, ctx: CallContext, id: string, zoneId?: string): Promise<InstancePoolRow> {
    let sel = q.selectFrom('instance_pools').selectAll().where('id', '=', id).where('account_id', '=', ctx.accountId);
    if (zoneId) sel = sel.where('zone_id', '=', zoneId);
    const row = await sel.executeTakeFirst();
    if (!row) throw notFound('instance pool', id, 'object');
    return row;
  }

  /** The caller's pool, which must not be being destroyed. */
  private async writable(q: Q, ctx: CallContext, id: string, zoneId?: string): Promise<InstancePoolRow> {
    const pool = await this.row(q, ctx, id, zoneId);
    if (pool.state === 'destroying') throw conflict('The Instance Pool is being destroyed', 'wrong_state');
    return pool;
  }

  private async checkKeyPair(q: Q, ctx: CallContext, name: string): Promise<void> {
    const kp = await q
      .selectFrom('ssh_keys')
      .select('id')
      .where('account_id', '=', ctx.accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!kp) throw invalid(`A key pair named ${name} does not exist`, 'keyPair');
  }

  /** The caller's anti-affinity groups by id (each must exist), without repeats. */
  private antiAffinityGroups(q: Q, ctx: CallContext, ids: string[]): Promise<string[]> {
    return resolveGroups(q, ctx, 'affinity_groups', ids, undefined, 'anti-affinity group', 'antiAffinityGroup');
  }

  /** The caller's private networks by id, each in the pool's zone. */
  private async networks(q: Q, ctx: CallContext, zoneId: string, ids: string[]): Promise<string[]> {
    const wanted = [...new Set(ids)];
    for (const nid of wanted) {
      const n = await q
        .selectFrom('networks')
        .select(['zone_id', 'type'])
        .where('id', '=', nid)
        .where('account_id', '=', ctx.accountId)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!n || n.type === 'Shared' || n.type === 'ElasticIP')
        throw invalid(`Unable to find private network ${nid}`, 'networkIds');
      if (n.zone_id !== zoneId)
        throw invalid(`Private network ${nid} is not in the Instance Pool's zone`, 'networkIds');
    }
    return wanted;
  }
}
