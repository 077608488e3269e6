/** createSecurityGroup: a new, empty security group in the caller's account; sync. */
import { command, param, sync } from '../../command.js';
import { csSecurityGroup } from '../../views/security-group.js';

/** The command. */
export const createSecurityGroup = command({
  name: 'createSecurityGroup',
  description: 'Creates a security group',
  isAsync: false,
  responseName: 'securitygroup',
  params: {
    name: param.string('name of the security group').required(),
    description: param.string('the description of the security group'),
    account: param.string("ignored: groups are created in the caller's account"),
    domainid: param.uuid('ignored'),
    projectid: param.uuid('ignored: Nube has no projects'),
  },
  async handle(core, ctx, p) {
    const { group } = await core.firewalls.create(ctx, { name: p.name, description: p.description });
    return sync({ securitygroup: csSecurityGroup(group) });
  },
});
