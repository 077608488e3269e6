/** AffinityService: host anti-affinity groups and VM membership; placement (hosts/placement.ts) keeps members on distinct hosts. */
import type { Q } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { AffinityGroupRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { deleteTagsOf } from '../tags/service.js';
import { countedPage } from '../../store/page.js';

/** The only group type: members never share a host. */
const HOST_ANTI_AFFINITY = 'host anti-affinity';

/** Group types the service accepts. */
const AFFINITY_TYPES: readonly string[] = [HOST_ANTI_AFFINITY];

/** An affinity group as every dialect may show it. */
export interface AffinityGroupView {
  id: string;
  name: string;
  type: string;
  description: string;
  accountId: string;
  accountName: string;
  created: string;
  vmIds: string[];
}

/** Filters of an affinity group list. */
export interface AffinityGroupFilter {
  id?: string;
  name?: string;
  type?: string;
  vmId?: string;
  keyword?: string;
  page?: number;
  pageSize?: number;
}

/** A group named by id or by name (exactly one). */
export interface AffinityRef {
  id?: string;
  name?: string;
}

/** Inputs of a new group. */
export interface AffinityGroupInput {
  name: string;
  type?: string;
  description?: string;
}

const MAX_NAME = 255;
const OBJECT = 'affinity group';

/** Creates, lists and deletes affinity groups and changes which groups a stopped VM belongs to. */
export class AffinityService {
  constructor(private readonly deps: CoreDeps) {}

  /** The group types that can be created. */
  types(): string[] {
    return [...AFFINITY_TYPES];
  }

  /** One page of the caller's groups with their live members, and the total count. */
  async list(ctx: CallContext, f: AffinityGroupFilter = {}): Promise<Page<AffinityGroupView>> {
    const db = this.deps.store.db;
    if (f.vmId) {
      const vm = await db
        .selectFrom('vms')
        .select('id')
        .where('id', '=', f.vmId)
        .where('account_id', '=', ctx.accountId)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!vm) throw notFound('virtual machine', f.vmId, 'vm');
    }
    let q = db.selectFrom('affinity_groups').where('account_id', '=', ctx.accountId);
    if (f.id) q = q.where('id', '=', f.id);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.keyword) {
      const k = `%${f.keyword.toLowerCase()}%`;
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['name']), 'like', k), eb(eb.fn('lower', ['description']), 'like', k)]),
      );
    }
    if (f.vmId)
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('vm_affinity_groups').select('group_id').where('vm_id', '=', f.vmId!),
      );
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), f);
    return { count, items: await this.views(db, ctx, rows) };
  }

  /** One of the caller's groups, or NotFound (also for another account's group). */
  async get(ctx: CallContext, id: string): Promise<AffinityGroupView> {
    const row = await this.row(this.deps.store.db, ctx, { id });
    return (await this.views(this.deps.store.db, ctx, [row]))[0]!;
  }

  /** Creates a group; the change is recorded as a finished task (createAffinityGroup answers with it as a job). */
  async create(
    ctx: CallContext,
    input: AffinityGroupInput,
  ): Promise<{ receipt: TaskReceipt; group: AffinityGroupView }> {
    const receipt = await this.insert(ctx, input);
    return { receipt, group: await this.get(ctx, receipt.objectId) };
  }

  /** Deletes a group; refused while VMs are members. */
  async delete(ctx: CallContext, ref: AffinityRef): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const g = await this.row(trx, ctx, ref);
      const members = await trx
        .selectFrom('vm_affinity_groups as l')
        .innerJoin('vms', 'vms.id', 'l.vm_id')
        .select('vms.name')
        .where('l.group_id', '=', g.id)
        .where('vms.removed_at', 'is', null)
        .orderBy('vms.name')
        .execute();
      if (members.length > 0) {
        throw conflict(
          `Cannot delete affinity group ${g.name}: virtual machine(s) ${members.map((m) => m.name).join(', ')} are members`,
          'in_use',
        );
      }
      await trx.deleteFrom('vm_affinity_groups').where('group_id', '=', g.id).execute();
      await trx.deleteFrom('affinity_groups').where('id', '=', g.id).execute();
      await deleteTagsOf(trx, g.id);
      return recordSyncChange(trx, { objectType: OBJECT, objectId: g.id, ctx, payload: { action: 'delete' } });
    });
  }

  /** Replaces the groups of a stopped VM (an empty list leaves it in none); the next start places it accordingly. */
  async updateVmGroups(
    ctx: CallContext,
    vmId: string,
    sel: { ids?: string[]; names?: string[] },
  ): Promise<TaskReceipt> {
    if (sel.ids && sel.names)
      throw invalid('affinitygroupids and affinitygroupnames are mutually exclusive', 'groupIds');
    if (!sel.ids && !sel.names)
      throw invalid('Either affinitygroupids or affinitygroupnames must be specified', 'groupIds');
    return this.deps.store.tx(async (trx) => {
      const vm = await trx
        .selectFrom('vms')
        .select(['id', 'state', 'removed_at'])
        .where('id', '=', vmId)
        .where('account_id', '=', ctx.accountId)
        .executeTakeFirst();
      if (!vm || vm.removed_at) throw notFound('virtual machine', vmId, 'vm');
      if (vm.state !== 'stopped')
        throw conflict(
          `The virtual machine must be stopped to change its affinity groups (it is ${vm.state})`,
          'wrong_state',
        );
      const busy = await trx
        .selectFrom('tasks')
        .select('id')
        .where('object_id', '=', vmId)
        .where('exclusive', '=', 1)
        .where('status', 'in', ['PENDING', 'STARTED'])
        .executeTakeFirst();
      if (busy) throw conflict('The virtual machine is busy with another operation', 'busy');
      const byId = sel.ids !== undefined;
      const wanted = [...new Set(byId ? sel.ids! : sel.names!)];
      const rows =
        wanted.length === 0
          ? []
          : await trx
              .selectFrom('affinity_groups')
              .select(['id', 'name'])
              .where('account_id', '=', ctx.accountId)
              .where(byId ? 'id' : 'name', 'in', wanted)
              .execute();
      for (const w of wanted) {
        if (!rows.some((r) => (byId ? r.id : r.name) === w)) {
          throw notFound(OBJECT, w, 'object');
        }
      }
      await trx.deleteFrom('vm_affinity_groups').where('vm_id', '=', vmId).execute();
      for (const r of rows)
        await trx.insertInto('vm_affinity_groups').values({ vm_id: vmId, group_id: r.id }).execute();
      await trx.updateTable('vms').set({ updated_at: nowIso() }).where('id', '=', vmId).execute();
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: vmId,
        ctx,
        payload: { action: 'update_affinity_groups', groups: rows.map((r) => r.id) },
        result: { type: 'vm', id: vmId },
      });
    });
  }

  private async insert(ctx: CallContext, input: AffinityGroupInput): Promise<TaskReceipt> {
    const name = typeof input.name === 'string' ? input.name : '';
    if (name.trim() === '') throw invalid('The affinity group name must not be empty', 'name');
    if (name.length > MAX_NAME) throw invalid(`The affinity group name must be at most ${MAX_NAME} characters`, 'name');
    if (/[\x00-\x1f\x7f]/.test(name))
      throw invalid('The affinity group name must not contain control characters', 'name');
    const type = input.type ?? HOST_ANTI_AFFINITY;
    if (!AFFINITY_TYPES.includes(type)) {
      throw invalid(`Unsupported affinity group type ${type}: the supported type is "${HOST_ANTI_AFFINITY}"`, 'type');
    }
    const description = input.description ?? '';
    if (description.length > MAX_NAME)
      throw invalid(`The description must be at most ${MAX_NAME} characters`, 'description');
    const groupId = newId();
    const duplicate = () => conflict(`An affinity group named ${name} already exists in this account`, 'exists');
    try {
      return await this.deps.store.tx(async (trx) => {
        const dup = await trx
          .selectFrom('affinity_groups')
          .select('id')
          .where('account_id', '=', ctx.accountId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (dup) throw duplicate();
        await trx
          .insertInto('affinity_groups')
          .values({ id: groupId, account_id: ctx.accountId, name, type, description, created_at: nowIso() })
          .execute();
        return recordSyncChange(trx, {
          objectType: OBJECT,
          objectId: groupId,
          ctx,
          payload: { action: 'create' },
          result: { type: 'affinityGroup', id: groupId },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate();
      throw err;
    }
  }

  /** The caller's group by id or name (exactly one), or NotFound. */
  private async row(q: Q, ctx: CallContext, ref: AffinityRef): Promise<AffinityGroupRow> {
    if (ref.id && ref.name) throw invalid('id and name are mutually exclusive', 'id');
    if (!ref.id && !ref.name) throw invalid('Either id or name must be specified', 'id');
    let sel = q.selectFrom('affinity_groups').selectAll().where('account_id', '=', ctx.accountId);
    sel = ref.id ? sel.where('id', '=', ref.id) : sel.where('name', '=', ref.name!);
    const row = await sel.executeTakeFirst();
    if (!row) throw notFound(OBJECT, ref.id ?? ref.name, 'object');
    return row;
  }

  private async views(q: Q, ctx: CallContext, rows: AffinityGroupRow[]): Promise<AffinityGroupView[]> {
    if (rows.length === 0) return [];
    const members = await q
      .selectFrom('vm_affinity_groups as l')
      .innerJoin('vms', 'vms.id', 'l.vm_id')
      .select(['l.group_id', 'l.vm_id'])
      .where(
        'l.group_id',
        'in',
        rows.map((r) => r.id),
      )
      .where('vms.removed_at', 'is', null)
      .orderBy('vms.created_at')
      .execute();
    return rows.map((g) => ({
      id: g.id,
      name: g.name,
      type: g.type,
      description: g.description,
      accountId: g.account_id,
      accountName: ctx.accountName,
      created: g.created_at,
      vmIds: members.filter((m) => m.group_id === g.id).map((m) => m.vm_id),
    }));
  }
}
