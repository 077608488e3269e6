/** authorizeSecurityGroupIngress and authorizeSecurityGroupEgress: add rules to a group; async, the job shows the added rules. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';
import type { RuleDirection } from '../../../../core/firewalls/service.js';
import type { ParamSpec } from '../../params.js';

/** The parameters both directions take. */
function ruleParams(direction: RuleDirection): ParamSpec[] {
  return [
    { name: 'securitygroupid', type: 'uuid', description: 'The ID of the security group. Mutually exclusive with securitygroupname parameter' },
    { name: 'securitygroupname', type: 'string', description: 'The name of the security group. Mutually exclusive with securitygroupid parameter' },
    { name: 'protocol', type: 'string', description: 'TCP is default. UDP, ICMP, ICMPv6, ALL, AH, ESP, GRE, IPIP or an IANA protocol number' },
    { name: 'startport', type: 'integer', description: `start port for this ${direction} rule` },
    { name: 'endport', type: 'integer', description: `end port for this ${direction} rule` },
    { name: 'icmptype', type: 'integer', description: 'type of the icmp message being sent' },
    { name: 'icmpcode', type: 'integer', description: 'error code for this icmp message' },
    { name: 'cidrlist', type: 'list', description: 'the cidr list associated' },
    { name: 'usersecuritygrouplist', type: 'map', description: 'user to security group mapping: usersecuritygrouplist[0].account=A&usersecuritygrouplist[0].group=G' },
    { name: 'description', type: 'string', description: `a description for this ${direction} rule` },
    { name: 'account', type: 'string', description: 'ignored' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ];
}

/** A command authorizing rules of one direction. */
function authorize(name: string, direction: RuleDirection): CsCommand {
  return {
    name, description: `Authorizes a particular ${direction} rule for this security group`, isAsync: true, responseName: 'securitygroup',
    params: ruleParams(direction),
    async handle(core, ctx, p) {
      const userGroups = (p.usersecuritygrouplist as Array<Record<string, string>> | undefined)
        ?.map((e) => ({ account: e.account ?? '', group: e.group ?? '' }));
      const r = await core.firewalls.authorize(ctx, direction, { id: p.securitygroupid, name: p.securitygroupname }, {
        protocol: p.protocol, startPort: p.startport, endPort: p.endport, icmpType: p.icmptype, icmpCode: p.icmpcode,
        cidrs: p.cidrlist, userGroups, description: p.description,
      });
      return job(r.taskId, r.groupId);
    },
  };
}

/** authorizeSecurityGroupIngress. */
export const authorizeSecurityGroupIngress = authorize('authorizeSecurityGroupIngress', 'ingress');

/** authorizeSecurityGroupEgress. */
export const authorizeSecurityGroupEgress = authorize('authorizeSecurityGroupEgress', 'egress');
