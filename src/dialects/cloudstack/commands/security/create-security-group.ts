/** createSecurityGroup: a new, empty security group in the caller's account; sync. */
import type { CsCommand } from '../../command.js';
import { sync } from '../../command.js';
import { csSecurityGroup } from '../../views/security-group.js';

/** The command. */
export const createSecurityGroup: CsCommand = {
  name: 'createSecurityGroup', description: 'Creates a security group', isAsync: false, responseName: 'securitygroup',
  params: [
    { name: 'name', type: 'string', required: true, description: 'name of the security group' },
    { name: 'description', type: 'string', description: 'the description of the security group' },
    { name: 'account', type: 'string', description: 'ignored: groups are created in the caller\'s account' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ],
  async handle(core, ctx, p) {
    return sync({ securitygroup: csSecurityGroup(await core.firewalls.create(ctx, { name: p.name, description: p.description })) });
  },
};
