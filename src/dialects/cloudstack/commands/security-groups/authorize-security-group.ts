/** authorizeSecurityGroupIngress and authorizeSecurityGroupEgress: add rules to a group; async, the job shows the added rules. */
import { IGNORED_OWNER, command, job, param } from '../../command.js';
import type { CsCommand } from '../../command.js';
import type { RuleDirection } from '../../../../core/firewalls/service.js';

/** The parameters both directions take. */
function ruleParams(direction: RuleDirection) {
  return {
    securitygroupid: param.uuid('The ID of the security group. Mutually exclusive with securitygroupname parameter'),
    securitygroupname: param.string(
      'The name of the security group. Mutually exclusive with securitygroupid parameter',
    ),
    protocol: param.string('TCP is default. UDP, ICMP, ICMPv6, ALL, AH, ESP, GRE, IPIP or an IANA protocol number'),
    startport: param.integer(`start port for this ${direction} rule`),
    endport: param.integer(`end port for this ${direction} rule`),
    icmptype: param.integer('type of the icmp message being sent'),
    icmpcode: param.integer('error code for this icmp message'),
    cidrlist: param.list('the cidr list associated'),
    usersecuritygrouplist: param.map<'account' | 'group'>(
      'user to security group mapping: usersecuritygrouplist[0].account=A&usersecuritygrouplist[0].group=G',
    ),
    description: param.string(`a description for this ${direction} rule`),
    ...IGNORED_OWNER,
  };
}

/** A command authorizing rules of one direction. */
function authorize(name: string, direction: RuleDirection): CsCommand {
  return command({
    name,
    description: `Authorizes a particular ${direction} rule for this security group`,
    isAsync: true,
    responseName: 'securitygroup',
    params: ruleParams(direction),
    async handle(core, ctx, p) {
      const userGroups = p.usersecuritygrouplist?.map((e) => ({ account: e.account ?? '', group: e.group ?? '' }));
      const r = await core.firewalls.authorize(
        ctx,
        direction,
        { id: p.securitygroupid, name: p.securitygroupname },
        {
          protocol: p.protocol,
          startPort: p.startport,
          endPort: p.endport,
          icmpType: p.icmptype,
          icmpCode: p.icmpcode,
          cidrs: p.cidrlist,
          userGroups,
          description: p.description,
        },
      );
      return job(r.receipt.taskId, r.receipt.objectId);
    },
  });
}

/** authorizeSecurityGroupIngress. */
export const authorizeSecurityGroupIngress = authorize('authorizeSecurityGroupIngress', 'ingress');

/** authorizeSecurityGroupEgress. */
export const authorizeSecurityGroupEgress = authorize('authorizeSecurityGroupEgress', 'egress');
