/** CloudStack's view of security groups (one rule per CIDR or account/group source, with tags) and the duplicate-rule test. */
import type { Q } from '../../store/db.js';
import type { SecurityGroupRow, SecurityRuleRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { RuleDirection, SecurityGroupView, SecurityRuleView } from './model.js';

/** Builds views for rows (in order) with one query per related table. */
export async function securityGroupViews(
  q: Q,
  ctx: CallContext,
  rows: SecurityGroupRow[],
): Promise<SecurityGroupView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const rules = await q
    .selectFrom('security_rules')
    .selectAll()
    .where('group_id', 'in', ids)
    // Security groups only allow: a firewall's deny rules have no CloudStack form, so they are not shown as allows.
    .where('action', '!=', 'deny')
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
  const tagsOf = (id: string) => tags.filter((t) => t.resource_id === id).map((t) => ({ key: t.key, value: t.value }));
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

/** True when a stored rule matches a candidate on every field that defines what it lets through. */
export function sameRule(e: SecurityRuleRow, c: Omit<SecurityRuleRow, 'id' | 'created_at'>): boolean {
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
