/** scaleInstancePool: sets the number of members; sync (members are deployed or destroyed in the background). */
import { command, param, sync } from '../../command.js';

/** The command. */
export const scaleInstancePool = command({
  name: 'scaleInstancePool',
  description: 'Scale an Instance Pool.',
  isAsync: false,
  responseName: 'success',
  params: {
    id: param.uuid('the Instance Pool ID to scale').required(),
    zoneid: param.uuid('the zone ID where the Instance Pool is'),
    size: param
      .integer(
        'the new number of instances to be managed by the Instance Pool. An anti-affinity group is limited to 8 members, ' +
          'so the maximum pool size can be constrained by other instances in the attached groups.',
      )
      .required(),
  },
  async handle(core, ctx, p) {
    await core.instancePools.scale(ctx, p.id, p.size, p.zoneid);
    return sync({ success: true });
  },
});
