/** ServerGroupService: named, account-scoped sets of VMs that can be started and stopped together. */
import type { Q } from '../../store/db.js';
import type { ServerGroupRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';

/** A server group as every dialect may show it; members are live VMs in the order they were added. */
export interface ServerGroupView {
  id: string;
  accountId: string;
  name: string;
  description: string;
  created: string;
  members: string[];
}

/** A change to a group: its receipt and the group as it is now. */
export interface ServerGroupChange {
  receipt: TaskReceipt;
  group: ServerGroupView;
}

const OBJECT = 'server group';
const MAX_NAME = 255;

/** Creates, renames, destroys and lists server groups and their members. */
export class ServerGroupService {
  constructor(private readonly deps: CoreDeps) {}

  /** Creates an empty group. */
  async create(ctx: CallContext, input: { name: string; description?: string }): Promise<ServerGroupChange> {
    const name = checkName(input.name);
    const id = newId();
    const receipt = await this.deps.store.tx(async (trx) => {
      await trx
        .insertInto('server_groups')
        .values({ id, account_id: ctx.accountId, name, description: input.description ?? '', created_at: nowIso() })
        .execute();
      return this.record(trx, ctx, id, 'create');
    });
    return { receipt, group: await this.get(ctx, id) };
  }

  /** Renames a group and optionally changes its description. */
  async update(
    ctx: CallContext,
    id: string,
    input: { name?: string; description?: string },
  ): Promise<ServerGroupChange> {
    const receipt = await this.deps.store.tx(async (trx) => {
      await this.row(trx, ctx, id);
      const set: Partial<ServerGroupRow> = {};
      if (input.name !== undefined) set.name = checkName(input.name);
      if (input.description !== undefined) set.description = input.description;
      if (Object.keys(set).length) await trx.updateTable('server_groups').set(set).where('id', '=', id).execute();
      return this.record(trx, ctx, id, 'update');
    });
    return { receipt, group: await this.get(ctx, id) };
  }

  /** Destroys a group; its servers are untouched. */
  async delete(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      await this.row(trx, ctx, id);
      await trx.deleteFrom('server_group_members').where('group_id', '=', id).execute();
      await trx.deleteFrom('server_groups').where('id', '=', id).execute();
      return this.record(trx, ctx, id, 'delete');
    });
  }

  /** The caller's groups, oldest first. */
  async list(ctx: CallContext): Promise<ServerGroupView[]> {
    const rows = await this.deps.store.db
      .selectFrom('server_groups')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const members = await this.members(
      this.deps.store.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => view(r, members.get(r.id) ?? []));
  }

  /** One of the caller's groups, or NotFound. */
  async get(ctx: CallContext, id: string): Promise<ServerGroupView> {
    const row = await this.row(this.deps.store.db, ctx, id);
    return view(row, (await this.members(this.deps.store.db, [id])).get(id) ?? []);
  }

  /** Adds the caller's VMs to a group (already present ones stay where they are). Every VM must exist. */
  async add(ctx: CallContext, id: string, vmIds: string[]): Promise<ServerGroupChange> {
    if (!vmIds.length) throw invalid('Give at least one server', 'vmIds');
    const receipt = await this.deps.store.tx(async (trx) => {
      await this.row(trx, ctx, id);
      await this.checkVms(trx, ctx, vmIds);
      const have = new Set(
        (await trx.selectFrom('server_group_members').select('vm_id').where('group_id', '=', id).execute()).map(
          (r) => r.vm_id,
        ),
      );
      const top = await trx
        .selectFrom('server_group_members')
        .select((eb) => eb.fn.max('position').as('p'))
        .where('group_id', '=', id)
        .executeTakeFirst();
      let pos = Number(top?.p ?? 0);
      for (const vm of new Set(vmIds)) {
        if (have.has(vm)) continue;
        await trx.insertInto('server_group_members').values({ group_id: id, vm_id: vm, position: ++pos }).execute();
      }
      return this.record(trx, ctx, id, 'add', vmIds);
    });
    return { receipt, group: await this.get(ctx, id) };
  }

  /** Removes VMs from a group; a VM that is not a member is NotFound. */
  async remove(ctx: CallContext, id: string, vmIds: string[]): Promise<ServerGroupChange> {
    if (!vmIds.length) throw invalid('Give at least one server', 'vmIds');
    const receipt = await this.deps.store.tx(async (trx) => {
      await this.row(trx, ctx, id);
      const have = new Set(
        (await trx.selectFrom('server_group_members').select('vm_id').where('group_id', '=', id).execute()).map(
          (r) => r.vm_id,
        ),
      );
      for (const vm of vmIds) if (!have.has(vm)) throw notFound('server in group', vm, 'object');
      await trx.deleteFrom('server_group_members').where('group_id', '=', id).where('vm_id', 'in', vmIds).execute();
      return this.record(trx, ctx, id, 'remove', vmIds);
    });
    return { receipt, group: await this.get(ctx, id) };
  }

  private async checkVms(q: Q, ctx: CallContext, vmIds: string[]): Promise<void> {
    const found = new Set(
      (
        await q
          .selectFrom('vms')
          .select('id')
          .where('id', 'in', vmIds)
          .where('account_id', '=', ctx.accountId)
          .where('removed_at', 'is', null)
          .execute()
      ).map((r) => r.id),
    );
    for (const vm of vmIds) if (!found.has(vm)) throw notFound('server', vm, 'vm');
  }

  private async members(q: Q, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!ids.length) return out;
    const rows = await q
      .selectFrom('server_group_members as m')
      .innerJoin('vms as v', 'v.id', 'm.vm_id')
      .select(['m.group_id', 'm.vm_id'])
      .where('m.group_id', 'in', ids)
      .where('v.removed_at', 'is', null)
      .orderBy('m.position')
      .execute();
    for (const r of rows) (out.get(r.group_id) ?? out.set(r.group_id, []).get(r.group_id)!).push(r.vm_id);
    return out;
  }

  private async row(q: Q, ctx: CallContext, id: string): Promise<ServerGroupRow> {
    const row = await q
      .selectFrom('server_groups')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row) throw notFound(OBJECT, id, 'object');
    return row;
  }

  private record(q: Q, ctx: CallContext, id: string, action: string, vmIds?: string[]): Promise<TaskReceipt> {
    return recordSyncChange(q, {
      objectType: OBJECT,
      objectId: id,
      ctx,
      payload: vmIds ? { action, vmIds } : { action },
    });
  }
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (!name) throw invalid('This field is required.', 'name');
  if (name.length > MAX_NAME) throw invalid(`At most ${MAX_NAME} characters`, 'name');
  return name;
}

function view(r: ServerGroupRow, members: string[]): ServerGroupView {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    created: r.created_at,
    members,
  };
}
