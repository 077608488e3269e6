/** revokeSecurityGroupIngress and revokeSecurityGroupEgress: remove one rule by id; async, job result `success`. */
import { command, job, param } from '../../command.js';
import type { CsCommand } from '../../command.js';
import type { RuleDirection } from '../../../../core/firewalls/service.js';

/** A command revoking a rule of one direction (a rule of the other direction is refused). */
function revoke(name: string, direction: RuleDirection): CsCommand {
  return command({
    name,
    description: `Deletes a particular ${direction} rule from this security group`,
    isAsync: true,
    responseName: 'success',
    params: { id: param.uuid(`The ID of the ${direction} rule`).required() },
    async handle(core, ctx, p) {
      return job((await core.firewalls.revoke(ctx, direction, p.id)).taskId);
    },
  });
}

/** revokeSecurityGroupIngress. */
export const revokeSecurityGroupIngress = revoke('revokeSecurityGroupIngress', 'ingress');

/** revokeSecurityGroupEgress. */
export const revokeSecurityGroupEgress = revoke('revokeSecurityGroupEgress', 'egress');
