/** FirewallService: security groups and their ingress/egress rules, every read and write scoped to the caller's account. */
import { isUniqueViolation } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { DEFAULT_GROUP } from './defaults.js';
import type { RuleInput } from './rules.js';
import type { AuthorizeResult, GroupRef, RuleDirection, SecurityGroupFilter, SecurityGroupView } from './model.js';
import { checkGroupName, GROUP_OBJECT, groupById, groupByRef, MAX_NAME } from './group-rows.js';
import { firewallViews, type FirewallView } from './firewall-view.js';
import { createDefaultFor, createFirewall, updateFirewall, type FirewallInput, type FirewallUpdate } from './define.js';
import { securityGroupViews } from './group-view.js';
import { authorizeRule, revokeRule } from './authorize.js';
import { attachFirewall, deployFirewall, detachFirewall } from './attach.js';
import { countedPage } from '../../store/page.js';

export type {
  AuthorizeResult,
  GroupRef,
  RuleDirection,
  SecurityGroupFilter,
  SecurityGroupView,
  SecurityRuleView,
  TagView,
} from './model.js';

const OBJECT = GROUP_OBJECT;

/** Creates, lists and deletes security groups; authorizes and revokes their rules. */
export class FirewallService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the caller's security groups with their rules, and the total count. */
  async list(ctx: CallContext, f: SecurityGroupFilter = {}): Promise<Page<SecurityGroupView>> {
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
    let q = db.selectFrom('security_groups').where('account_id', '=', ctx.accountId);
    if (f.id) q = q.where('id', '=', f.id);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.keyword) {
      const k = `%${f.keyword.toLowerCase()}%`;
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['name']), 'like', k), eb(eb.fn('lower', ['description']), 'like', k)]),
      );
    }
    if (f.vmId)
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('vm_security_groups').select('group_id').where('vm_id', '=', f.vmId!),
      );
    if (f.tags?.length) {
      q = q.where('id', 'in', (eb) =>
        eb
          .selectFrom('tags')
          .select('resource_id')
          .where('account_id', '=', ctx.accountId)
          .where((w) =>
            w.or(
              f.tags!.map((t) =>
                t.value === undefined ? w('key', '=', t.key) : w.and([w('key', '=', t.key), w('value', '=', t.value)]),
              ),
            ),
          ),
      );
    }
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), f);
    return { count, items: await securityGroupViews(db, ctx, rows) };
  }

  /** One of the caller's groups, or NotFound (also for another account's group). */
  async get(ctx: CallContext, id: string): Promise<SecurityGroupView> {
    const row = await groupByRef(this.deps.store.db, ctx, { id });
    return (await securityGroupViews(this.deps.store.db, ctx, [row]))[0]!;
  }

  /** Creates an empty group (no rules: all ingress denied, all egress allowed); a duplicate name is a Conflict. */
  async create(
    ctx: CallContext,
    input: { name: string; description?: string },
  ): Promise<{ receipt: TaskReceipt; group: SecurityGroupView }> {
    const name = checkGroupName(input.name);
    const description = input.description ?? '';
    if (description.length > MAX_NAME)
      throw invalid(`The description must be at most ${MAX_NAME} characters`, 'description');
    const id = newId();
    const duplicate = () => conflict(`A security group named ${name} already exists in this account`, 'exists');
    let receipt: TaskReceipt;
    try {
      receipt = await this.deps.store.tx(async (trx) => {
        const dup = await trx
          .selectFrom('security_groups')
          .select('id')
          .where('account_id', '=', ctx.accountId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (dup) throw duplicate();
        await trx
          .insertInto('security_groups')
          .values({ id, account_id: ctx.accountId, name, description, created_at: nowIso() })
          .execute();
        return recordSyncChange(trx, {
          objectType: OBJECT,
          objectId: id,
          ctx,
          payload: { action: 'create' },
          result: { type: 'securityGroup', id },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate();
      throw err;
    }
    return { receipt, group: await this.get(ctx, id) };
  }

  /** Deletes a group (by reference or id) and its rules; refused for "default", while a VM uses it or while another group's rule names it. */
  async delete(ctx: CallContext, target: GroupRef | string): Promise<TaskReceipt> {
    const ref = typeof target === 'string' ? { id: target } : target;
    return this.deps.store.tx(async (trx) => {
      const g = await groupByRef(trx, ctx, ref);
      if (g.name === DEFAULT_GROUP)
        throw invalid(`The ${DEFAULT_GROUP} security group cannot be deleted`, ref.id ? 'id' : 'name');
      const users = await trx
        .selectFrom('vm_security_groups as l')
        .innerJoin('vms', 'vms.id', 'l.vm_id')
        .select('vms.name')
        .where('l.group_id', '=', g.id)
        .where('vms.removed_at', 'is', null)
        .orderBy('vms.name')
        .execute();
      if (users.length > 0) {
        throw conflict(
          `Cannot delete security group ${g.name}: it is in use by virtual machine(s) ${users.map((u) => u.name).join(', ')}`,
          'in_use',
        );
      }
      const referrers = await trx
        .selectFrom('security_rules as r')
        .innerJoin('security_groups as o', 'o.id', 'r.group_id')
        .select('o.name')
        .where('r.account_id', '=', ctx.accountId)
        .where('r.user_account', '=', ctx.accountName)
        .where('r.user_group', '=', g.name)
        .where('r.group_id', '!=', g.id)
        .execute();
      if (referrers.length > 0) {
        const names = [...new Set(referrers.map((r) => r.name))].join(', ');
        throw conflict(
          `Cannot delete security group ${g.name}: rules of security group(s) ${names} refer to it`,
          'in_use',
        );
      }
      const ruleIds = (await trx.selectFrom('security_rules').select('id').where('group_id', '=', g.id).execute()).map(
        (r) => r.id,
      );
      await trx
        .deleteFrom('tags')
        .where('account_id', '=', ctx.accountId)
        .where('resource_id', 'in', [g.id, ...ruleIds])
        .execute();
      await trx.deleteFrom('security_rules').where('group_id', '=', g.id).execute();
      await trx.deleteFrom('vm_security_groups').where('group_id', '=', g.id).execute();
      await trx.deleteFrom('security_groups').where('id', '=', g.id).execute();
      return recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: g.id,
        ctx,
        payload: { action: 'delete', name: g.name },
      });
    });
  }

  /** Validates a rule and adds one row per CIDR and per account/group source; answered as a finished job. */
  authorize(ctx: CallContext, direction: RuleDirection, ref: GroupRef, input: RuleInput): Promise<AuthorizeResult> {
    return authorizeRule(this.deps, ctx, direction, ref, input);
  }

  /** Removes one rule of the given direction; answered as a finished job. */
  revoke(ctx: CallContext, direction: RuleDirection, ruleId: string): Promise<TaskReceipt> {
    return revokeRule(this.deps, ctx, direction, ruleId);
  }

  /** One page of the caller's firewalls: groups with status, default action and whole rules. */
  async listFirewalls(ctx: CallContext, p: { page?: number; pageSize?: number } = {}): Promise<Page<FirewallView>> {
    const db = this.deps.store.db;
    const q = db.selectFrom('security_groups').where('account_id', '=', ctx.accountId);
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), p);
    return { count, items: await firewallViews(db, rows) };
  }

  /** One of the caller's firewalls, or NotFound. */
  async firewall(ctx: CallContext, id: string): Promise<FirewallView> {
    const db = this.deps.store.db;
    return (await firewallViews(db, [await groupById(db, ctx, id)]))[0]!;
  }

  /** Creates a firewall with a description and whole rules (draft until deployed). */
  async createFirewall(
    ctx: CallContext,
    input: FirewallInput,
  ): Promise<{ receipt: TaskReceipt; firewall: FirewallView }> {
    const { id, receipt } = await createFirewall(this.deps, ctx, input);
    return { receipt, firewall: await this.firewall(ctx, id) };
  }

  /** Changes a firewall's name, description and rules (given rules replace all of them). */
  async update(
    ctx: CallContext,
    id: string,
    u: FirewallUpdate,
  ): Promise<{ receipt: TaskReceipt; firewall: FirewallView }> {
    const receipt = await updateFirewall(this.deps, ctx, id, u);
    return { receipt, firewall: await this.firewall(ctx, id) };
  }

  /** Attaches a firewall to one of the caller's VMs (CloudStack then lists it among the VM's security groups). */
  attach(ctx: CallContext, id: string, vmId: string): Promise<TaskReceipt> {
    return attachFirewall(this.deps, ctx, id, vmId);
  }

  /** Detaches a firewall from one of the caller's VMs. */
  detach(ctx: CallContext, id: string, vmId: string): Promise<TaskReceipt> {
    return detachFirewall(this.deps, ctx, id, vmId);
  }

  /** Deploys a firewall: status active, recorded in the task log. */
  deploy(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return deployFirewall(this.deps, ctx, id);
  }

  /** Deletes a VM's default firewall that its VM never used (a failed VPS create), with vps:write; Invalid for any other firewall. */
  async discardDefault(ctx: CallContext, id: string): Promise<TaskReceipt> {
    const g = await groupById(this.deps.store.db, ctx, id);
    if (Number(g.is_default ?? 0) !== 1) throw invalid(`${g.name} is not a default firewall`, 'id');
    return this.delete(ctx, { id: g.id });
  }

  /** Creates a new VM's default firewall (SSH and ICMP in, the rest denied) and returns its id for the VM's securityGroupIds. */
  createDefaultFor(ctx: CallContext, vmName: string): Promise<string> {
    return createDefaultFor(this.deps, ctx, vmName);
  }
}
