/** A security group as CloudStack's `securitygroup` object, and the job result of authorize commands. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { SecurityGroupView, SecurityRuleView } from '../../../core/firewalls/service.js';
import { CoreError } from '../../../lib/errors.js';
import { csTags } from './common.js';

/** One ingress or egress rule: ports for TCP/UDP, type/code for ICMP, and a CIDR or an account/group source. */
function csSecurityRule(r: SecurityRuleView, account: string): Record<string, unknown> {
  const ports = r.protocol === 'tcp' || r.protocol === 'udp';
  const icmp = r.protocol === 'icmp' || r.protocol === 'icmpv6';
  return {
    ruleid: r.id,
    protocol: r.protocol,
    startport: ports ? (r.startPort ?? undefined) : undefined,
    endport: ports ? (r.endPort ?? undefined) : undefined,
    icmptype: icmp ? (r.icmpType ?? undefined) : undefined,
    icmpcode: icmp ? (r.icmpCode ?? undefined) : undefined,
    cidr: r.cidr ?? undefined,
    securitygroupname: r.userGroup ?? undefined,
    account: r.userAccount ?? undefined,
    description: r.description ?? undefined,
    tags: csTags(r.tags, 'SecurityGroupRule', r.id, account),
  };
}

/** The full securitygroup object; `onlyRules` limits the rules shown (an authorize answer shows the rules it added). */
export function csSecurityGroup(g: SecurityGroupView, onlyRules?: string[]): Record<string, unknown> {
  const keep = (r: SecurityRuleView) => !onlyRules || onlyRules.includes(r.id);
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    account: g.accountName,
    domain: 'ROOT',
    domainid: g.accountId,
    ingressrule: g.ingress.filter(keep).map((r) => csSecurityRule(r, g.accountName)),
    egressrule: g.egress.filter(keep).map((r) => csSecurityRule(r, g.accountName)),
    tags: csTags(g.tags, 'SecurityGroup', g.id, g.accountName),
  };
}

/** The job result of the authorize commands: the group with only the rules the task added. */
export async function securityGroupResult(
  core: Core,
  ctx: CallContext,
  res: { id: string; ruleIds?: string[] },
): Promise<Record<string, unknown>> {
  try {
    const ruleIds = Array.isArray(res.ruleIds) ? res.ruleIds : undefined;
    return { securitygroup: csSecurityGroup(await core.firewalls.get(ctx, res.id), ruleIds) };
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound')
      return { securitygroup: { id: res.id, ingressrule: [], egressrule: [], tags: [] } };
    throw err;
  }
}
