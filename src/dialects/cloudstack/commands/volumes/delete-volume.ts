/** deleteVolume: removes a detached volume at once (synchronous, like CloudStack). */
import { command, param, sync } from '../../command.js';

/** The command; `success` is the string "true", which libcloud's destroy_volume compares against. */
export const deleteVolume = command({
  name: 'deleteVolume',
  description: 'Deletes a detached disk volume.',
  isAsync: false,
  responseName: 'success',
  params: { id: param.uuid('the ID of the disk volume').required() },
  async handle(core, ctx, p) {
    await core.volumes.delete(ctx, p.id);
    return sync({ success: 'true' });
  },
});
