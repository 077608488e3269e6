/** Firewalls as whole objects (the REST view of a security group): status, default action, and rules regrouped from their per-CIDR rows. */
import type { Q } from '../../store/db.js';
import type { SecurityGroupRow, SecurityRuleRow } from '../../store/schema.js';
import type { RuleDirection } from './model.js';
import type { RuleAction } from './firewall-rules.js';

/** Where a firewall stands: draft until deployed, then active. */
export type FirewallStatus = 'draft' | 'active' | 'applying' | 'error';

/** One whole rule: every source CIDR of it, with its name, action and order. */
export interface FirewallRuleView {
  id: string;
  name: string | null;
  description: string | null;
  action: RuleAction;
  direction: RuleDirection;
  protocol: string;
  startPort: number | null;
  endPort: number | null;
  sources: string[];
  order: number;
}

/** A firewall: a security group with its status, default action, default flag and whole rules in order. */
export interface FirewallView {
  id: string;
  accountId: string;
  name: string;
  description: string;
  status: FirewallStatus;
  isDefault: boolean;
  defaultAction: string;
  rules: FirewallRuleView[];
  created: string;
  updated: string;
}

/** Null stays null; numbers stored as bigint come back as numbers. */
function num(v: number | string | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** Rows of one group to whole rules, ordered by order, then submission (rows without either keep their creation order). */
function rulesOf(rows: SecurityRuleRow[]): FirewallRuleView[] {
  const byKey = new Map<string, SecurityRuleRow[]>();
  for (const r of rows) {
    const key = r.rule_key ?? r.id;
    const list = byKey.get(key);
    if (list) list.push(r);
    else byKey.set(key, [r]);
  }
  const rules = [...byKey.entries()].map(([id, rs], created) => {
    const r = rs[0]!;
    return {
      created,
      seq: num(r.seq),
      view: {
        id,
        name: r.name ?? null,
        description: r.description,
        action: (r.action ?? 'allow') as RuleAction,
        direction: r.direction as RuleDirection,
        protocol: r.protocol,
        startPort: num(r.start_port),
        endPort: num(r.end_port),
        sources: rs.map((x) => x.cidr).filter((c): c is string => c !== null),
        order: num(r.position) ?? created + 1,
      },
    };
  });
  rules.sort((a, b) => a.view.order - b.view.order || (a.seq ?? a.created) - (b.seq ?? b.created));
  return rules.map((r) => r.view);
}

/** Views of group rows (in their order), with one query for all their rules. */
export async function firewallViews(q: Q, groups: SecurityGroupRow[]): Promise<FirewallView[]> {
  if (groups.length === 0) return [];
  const rows = await q
    .selectFrom('security_rules')
    .selectAll()
    .where(
      'group_id',
      'in',
      groups.map((g) => g.id),
    )
    .orderBy('created_at')
    .orderBy('seq')
    .orderBy('id')
    .execute();
  return groups.map((g) => ({
    id: g.id,
    accountId: g.account_id,
    name: g.name,
    description: g.description,
    status: (g.status ?? 'active') as FirewallStatus,
    isDefault: Number(g.is_default ?? 0) === 1,
    defaultAction: g.default_action ?? 'deny',
    rules: rulesOf(rows.filter((r) => r.group_id === g.id)),
    created: g.created_at,
    updated: g.updated_at ?? g.created_at,
  }));
}
