/** deleteSecurityGroup: removes an unused security group by id or name; sync, `success` as the string "true". */
import type { CsCommand } from '../../command.js';
import { sync } from '../../command.js';

/** The command. */
export const deleteSecurityGroup: CsCommand = {
  name: 'deleteSecurityGroup', description: 'Deletes security group', isAsync: false, responseName: 'success',
  params: [
    { name: 'id', type: 'uuid', description: 'The ID of the security group. Mutually exclusive with name parameter' },
    { name: 'name', type: 'string', description: 'The name of the security group. Mutually exclusive with id parameter' },
    { name: 'account', type: 'string', description: 'ignored' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ],
  async handle(core, ctx, p) {
    await core.firewalls.delete(ctx, { id: p.id, name: p.name });
    return sync({ success: 'true' });
  },
};
