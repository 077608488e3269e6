/**
 * Firewall rules as whole rules (the REST view): a name, description, action, direction, protocol, port range, a list
 * of source CIDRs and an order. Stored as one security_rules row per source CIDR sharing a rule_key, so CloudStack
 * lists each CIDR as its own ingress/egress rule of the same group.
 */
import type { Q } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import { invalid } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { parseCidr } from '../net/ip.js';
import type { RuleDirection } from './model.js';

/** A rule as a caller sends it, before validation (`port` is shorthand for startPort = endPort). */
export interface FirewallRuleInput {
  name?: string | null;
  description?: string | null;
  action?: string | null;
  direction: string;
  protocol: string;
  port?: number | null;
  startPort?: number | null;
  endPort?: number | null;
  sources?: string[] | null;
  order?: number | null;
}

/** What a rule does with the traffic it matches. */
export type RuleAction = 'allow' | 'deny';

/** A validated rule with its defaults applied; order is the caller's, or its 1-based submission index. */
export interface NormalizedFirewallRule {
  name: string | null;
  description: string | null;
  action: RuleAction;
  direction: RuleDirection;
  protocol: string;
  startPort: number | null;
  endPort: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  sources: string[];
  order: number;
}

/** Protocols a firewall rule may name ("all" is what the REST API calls "any"). */
const FIREWALL_PROTOCOLS = ['tcp', 'udp', 'icmp', 'all', 'gre', 'esp', 'icmpv6', 'ah', 'ipip'] as const;

/** Sources of a rule that names none: every IPv4 and IPv6 address. */
const ANYWHERE = ['0.0.0.0/0', '::/0'];

const MAX_TEXT = 255;
const MAX_SOURCES = 100;
const MAX_ORDER = 1_000_000;

/** True when an optional value was given. */
function given<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

/** A port: an integer from 1 to 65535. */
function port(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    throw invalid(`The ${field} must be an integer between 1 and 65535.`, field);
  return v;
}

/** An optional text of at most 255 characters. */
function text(v: unknown, field: string): string | null {
  if (!given(v)) return null;
  if (typeof v !== 'string' || v.length > MAX_TEXT)
    throw invalid(`The ${field} must be a string of at most ${MAX_TEXT} characters.`, field);
  return v;
}

/** The source CIDRs as sent (trimmed, duplicates dropped), each checked; a bare address becomes its /32 or /128. */
function sources(v: unknown, field: string): string[] {
  if (!given(v)) return [...ANYWHERE];
  if (!Array.isArray(v) || v.length > MAX_SOURCES)
    throw invalid(`The ${field} must be a list of at most ${MAX_SOURCES} CIDRs.`, field);
  if (v.length === 0) return [...ANYWHERE];
  const out: string[] = [];
  for (const raw of v) {
    const trimmed = typeof raw === 'string' ? raw.trim() : '';
    const s = trimmed.includes('/') ? trimmed : `${trimmed}/${trimmed.includes(':') ? 128 : 32}`;
    try {
      parseCidr(s);
    } catch {
      throw invalid(`The ${field} must contain valid CIDRs; ${String(raw)} is not one.`, field);
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** Validates one rule; fields are named `rules.<index>.<field>` so a caller can point at the bad rule. */
export function normalizeFirewallRule(input: FirewallRuleInput, index: number): NormalizedFirewallRule {
  const f = (name: string) => `rules.${index}.${name}`;
  const direction = input.direction;
  if (direction !== 'ingress' && direction !== 'egress')
    throw invalid('The direction must be ingress or egress.', f('direction'));
  const protocol = typeof input.protocol === 'string' ? input.protocol.toLowerCase() : '';
  if (!(FIREWALL_PROTOCOLS as readonly string[]).includes(protocol))
    throw invalid(`The protocol must be one of ${FIREWALL_PROTOCOLS.join(', ')}.`, f('protocol'));
  const action = input.action ?? 'allow';
  if (action !== 'allow' && action !== 'deny') throw invalid('The action must be allow or deny.', f('action'));

  const p = given(input.port) ? port(input.port, f('port')) : null;
  const s = given(input.startPort) ? port(input.startPort, f('startPort')) : null;
  const e = given(input.endPort) ? port(input.endPort, f('endPort')) : null;
  if (p !== null && ((s !== null && s !== p) || (e !== null && e !== p)))
    throw invalid('The port and the port range disagree.', f('port'));
  let startPort: number | null = null;
  let endPort: number | null = null;
  if (protocol === 'tcp' || protocol === 'udp') {
    startPort = s ?? p ?? (e === null ? 1 : e);
    endPort = e ?? p ?? (s === null ? 65535 : s);
    if (endPort < startPort)
      throw invalid('The end of the port range must be greater than or equal to its start.', f('endPort'));
  } else if (p !== null || s !== null || e !== null) {
    throw invalid(`Ports apply only to tcp and udp rules, not to ${protocol}.`, f(p !== null ? 'port' : 'startPort'));
  }
  const icmp = protocol === 'icmp' || protocol === 'icmpv6';

  let order = index + 1;
  if (given(input.order)) {
    if (typeof input.order !== 'number' || !Number.isInteger(input.order) || input.order < 0 || input.order > MAX_ORDER)
      throw invalid(`The order must be an integer between 0 and ${MAX_ORDER}.`, f('order'));
    order = input.order;
  }
  return {
    name: text(input.name, f('name')),
    description: text(input.description, f('description')),
    action,
    direction,
    protocol,
    startPort,
    endPort,
    icmpType: icmp ? -1 : null,
    icmpCode: icmp ? -1 : null,
    sources: sources(input.sources, f('sources')),
    order,
  };
}

/** Validates a whole rule list (at most 200 rules). */
export function normalizeFirewallRules(inputs: FirewallRuleInput[]): NormalizedFirewallRule[] {
  if (!Array.isArray(inputs) || inputs.length > 200)
    throw invalid('The rules must be a list of at most 200 rules.', 'rules');
  return inputs.map((r, i) => normalizeFirewallRule(r, i));
}

/** Replaces every rule of the group by these (their tags go too), one row per source; the first row's id is the rule's id. */
export async function writeFirewallRules(
  trx: Q,
  ctx: CallContext,
  groupId: string,
  rules: NormalizedFirewallRule[],
): Promise<void> {
  const old = (await trx.selectFrom('security_rules').select('id').where('group_id', '=', groupId).execute()).map(
    (r) => r.id,
  );
  if (old.length > 0) {
    await trx.deleteFrom('tags').where('account_id', '=', ctx.accountId).where('resource_id', 'in', old).execute();
    await trx.deleteFrom('security_rules').where('group_id', '=', groupId).execute();
  }
  const now = nowIso();
  for (const [seq, r] of rules.entries()) {
    const key = newId();
    for (const [i, cidr] of r.sources.entries()) {
      await trx
        .insertInto('security_rules')
        .values({
          id: i === 0 ? key : newId(),
          group_id: groupId,
          account_id: ctx.accountId,
          direction: r.direction,
          protocol: r.protocol,
          start_port: r.startPort,
          end_port: r.endPort,
          icmp_type: r.icmpType,
          icmp_code: r.icmpCode,
          cidr,
          user_account: null,
          user_group: null,
          description: r.description,
          created_at: now,
          rule_key: key,
          name: r.name,
          action: r.action,
          position: r.order,
          seq: seq * 1000 + i,
        })
        .execute();
    }
  }
}
