/** deleteSecurityGroup: removes an unused security group by id or name; sync, `success` as the string "true". */
import { IGNORED_OWNER, command, param, sync } from '../../command.js';

/** The command. */
export const deleteSecurityGroup = command({
  name: 'deleteSecurityGroup',
  description: 'Deletes security group',
  isAsync: false,
  responseName: 'success',
  params: {
    id: param.uuid('The ID of the security group. Mutually exclusive with name parameter'),
    name: param.string('The name of the security group. Mutually exclusive with id parameter'),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    await core.firewalls.delete(ctx, { id: p.id, name: p.name });
    return sync({ success: 'true' });
  },
});
