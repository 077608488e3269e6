/** FirewallService: security groups and their ingress/egress rules, every read and write scoped to the caller's account. */
import type { Q } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { SecurityGroupRow, SecurityRuleRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { DEFAULT_GROUP } from './defaults.js';
import { normalizeRule, type RuleInput } from './rules.js';
import { countedPage } from '../../store/page.js';

/** Which way a rule filters traffic. */
export type RuleDirection = 'ingress' | 'egress';

/** A tag on a group or rule. */
export interface TagView {
  key: string;
  value: string;
}

/** One rule: a single CIDR or a single account/group source, as every dialect may show it. */
export interface SecurityRuleView {
  id: string;
  groupId: string;
  direction: RuleDirection;
  protocol: string;
  startPort: number | null;
  endPort: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  cidr: string | null;
  userAccount: string | null;
  userGroup: string | null;
  description: string | null;
  tags: TagView[];
}

/** A security group with its rules split by direction. */
export interface SecurityGroupView {
  id: string;
  name: string;
  description: string;
  accountId: string;
  accountName: string;
  created: string;
  ingress: SecurityRuleView[];
  egress: SecurityRuleView[];
  tags: TagView[];
}

/** Filters of a security group list. */
export interface SecurityGroupFilter {
  id?: string;
  name?: string;
  keyword?: string;
  vmId?: string;
  tags?: Array<{ key: string; value?: string }>;
  page?: number;
  pageSize?: number;
}

/** A group named by id or by name (exactly one). */
export interface GroupRef {
  id?: string;
  name?: string;
}

/** What authorize produced: the finished task on the group, and the rules it added. */
export interface AuthorizeResult {
  receipt: TaskReceipt;
  ruleIds: string[];
}

const MAX_NAME = 255;
const OBJECT = 'security group';

/** Checks a group name: non-empty, printable, at most 255 characters, and not the reserved "default". */
function checkGroupName(name: string): string {
  const n = typeof name === 'string' ? name : '';
  if (n.trim() === '') throw invalid('The security group name must not be empty', 'name');
  if (n.length > MAX_NAME) throw invalid(`The security group name must be at most ${MAX_NAME} characters`, 'name');
  if (/[\x00-\x1f\x7f]/.test(n)) throw invalid('The security group name must not contain control characters', 'name');
  if (n.toLowerCase() === DEFAULT_GROUP) throw invalid(`The security group name ${DEFAULT_GROUP} is reserved`, 'name');
  return n;
}

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
    return { count, items: await this.views(db, ctx, rows) };
  }

  /** One of the caller's groups, or NotFound (also for another account's group). */
  async get(ctx: CallContext, id: string): Promise<SecurityGroupView> {
    const row = await this.row(this.deps.store.db, ctx, { id });
    return (await this.views(this.deps.store.db, ctx, [row]))[0]!;
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

  /** Deletes a group and its rules; refused for "default", while a VM uses it or while another group's rule names it. */
  async delete(ctx: CallContext, ref: GroupRef): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const g = await this.row(trx, ctx, ref);
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
  async authorize(
    ctx: CallContext,
    direction: RuleDirection,
    ref: GroupRef,
    input: RuleInput,
  ): Promise<AuthorizeResult> {
    const rule = normalizeRule(input);
    return this.deps.store.tx(async (trx) => {
      const g = await this.row(trx, ctx, ref, 'securitygroup');
      for (const u of rule.userGroups) {
        const known =
          u.account === ctx.accountName &&
          (await trx
            .selectFrom('security_groups')
            .select('id')
            .where('account_id', '=', ctx.accountId)
            .where('name', '=', u.group)
            .executeTakeFirst());
        if (!known) throw invalid(`Unable to find security group ${u.group} in account ${u.account}`, 'userGroups');
      }
      const existing = await trx
        .selectFrom('security_rules')
        .selectAll()
        .where('group_id', '=', g.id)
        .where('direction', '=', direction)
        .execute();
      const base = {
        group_id: g.id,
        account_id: ctx.accountId,
        direction,
        protocol: rule.protocol,
        start_port: rule.startPort,
        end_port: rule.endPort,
        icmp_type: rule.icmpType,
        icmp_code: rule.icmpCode,
        description: rule.description,
      };
      const candidates = [
        ...rule.cidrs.map((cidr) => ({ ...base, cidr, user_account: null, user_group: null })),
        ...rule.userGroups.map((u) => ({ ...base, cidr: null, user_account: u.account, user_group: u.group })),
      ];
      const fresh = candidates.filter((c) => !existing.some((e) => sameRule(e, c)));
      if (fresh.length === 0)
        throw conflict(`The ${direction} rule already exists in security group ${g.name}`, 'exists');
      const now = nowIso();
      const ruleIds: string[] = [];
      for (const c of fresh) {
        const id = newId();
        ruleIds.push(id);
        await trx
          .insertInto('security_rules')
          .values({ ...c, id, created_at: now })
          .execute();
      }
      const receipt = await recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: g.id,
        ctx,
        payload: { action: `authorize_${direction}` },
        result: { type: 'securityGroup', id: g.id, ruleIds },
      });
      return { receipt, ruleIds };
    });
  }

  /** Removes one rule of the given direction; answered as a finished job. */
  async revoke(ctx: CallContext, direction: RuleDirection, ruleId: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const r = await trx
        .selectFrom('security_rules')
        .selectAll()
        .where('id', '=', ruleId)
        .where('account_id', '=', ctx.accountId)
        .executeTakeFirst();
      if (!r) throw notFound('security group rule', ruleId, 'object');
      if (r.direction !== direction)
        throw invalid(`Security group rule ${ruleId} is an ${r.direction} rule, not an ${direction} rule`, 'id');
      await trx.deleteFrom('tags').where('account_id', '=', ctx.accountId).where('resource_id', '=', r.id).execute();
      await trx.deleteFrom('security_rules').where('id', '=', r.id).execute();
      return recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: r.group_id,
        ctx,
        payload: { action: `revoke_${direction}`, ruleId },
      });
    });
  }

  /** The caller's group by id or name (exactly one), or NotFound; `prefix` is how messages name the reference (e.g. "securitygroup"). */
  private async row(q: Q, ctx: CallContext, ref: GroupRef, prefix = ''): Promise<SecurityGroupRow> {
    const field = prefix ? 'groupId' : 'id';
    if (ref.id && ref.name) throw invalid(`${prefix}id and ${prefix}name are mutually exclusive`, field);
    if (!ref.id && !ref.name) throw invalid(`Either ${prefix}id or ${prefix}name must be specified`, field);
    let sel = q.selectFrom('security_groups').selectAll().where('account_id', '=', ctx.accountId);
    sel = ref.id ? sel.where('id', '=', ref.id) : sel.where('name', '=', ref.name!);
    const row = await sel.executeTakeFirst();
    if (!row) throw notFound(OBJECT, ref.id ?? ref.name, 'object');
    return row;
  }

  /** Builds views for rows (in order) with one query per related table. */
  private async views(q: Q, ctx: CallContext, rows: SecurityGroupRow[]): Promise<SecurityGroupView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const rules = await q
      .selectFrom('security_rules')
      .selectAll()
      .where('group_id', 'in', ids)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const tagged = [...ids, ...rules.map((r) => r.id)];
    const tags = await q
      .selectFrom('tags')
      .select(['resource_id', 'key', 'value'])
      .where('account_id', '=', ctx.accountId)
      .where('resource_id', 'in', tagged)
      .orderBy('key')
      .execute();
    const tagsOf = (id: string) =>
      tags.filter((t) => t.resource_id === id).map((t) => ({ key: t.key, value: t.value }));
    const ruleView = (r: SecurityRuleRow): SecurityRuleView => ({
      id: r.id,
      groupId: r.group_id,
      direction: r.direction as RuleDirection,
      protocol: r.protocol,
      startPort: r.start_port === null ? null : Number(r.start_port),
      endPort: r.end_port === null ? null : Number(r.end_port),
      icmpType: r.icmp_type === null ? null : Number(r.icmp_type),
      icmpCode: r.icmp_code === null ? null : Number(r.icmp_code),
      cidr: r.cidr,
      userAccount: r.user_account,
      userGroup: r.user_group,
      description: r.description,
      tags: tagsOf(r.id),
    });
    return rows.map((g) => {
      const own = rules.filter((r) => r.group_id === g.id).map(ruleView);
      return {
        id: g.id,
        name: g.name,
        description: g.description,
        accountId: g.account_id,
        accountName: ctx.accountName,
        created: g.created_at,
        ingress: own.filter((r) => r.direction === 'ingress'),
        egress: own.filter((r) => r.direction === 'egress'),
        tags: tagsOf(g.id),
      };
    });
  }
}

/** True when a stored rule matches a candidate on every field that defines what it lets through. */
function sameRule(e: SecurityRuleRow, c: Omit<SecurityRuleRow, 'id' | 'created_at'>): boolean {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return (
    e.protocol === c.protocol &&
    num(e.start_port) === c.start_port &&
    num(e.end_port) === c.end_port &&
    num(e.icmp_type) === c.icmp_type &&
    num(e.icmp_code) === c.icmp_code &&
    e.cidr === c.cidr &&
    e.user_account === c.user_account &&
    e.user_group === c.user_group
  );
}
