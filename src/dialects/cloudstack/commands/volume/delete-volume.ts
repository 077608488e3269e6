/** deleteVolume: removes a detached volume at once (synchronous, like CloudStack). */
import type { CsCommand } from '../../command.js';
import { sync } from '../../command.js';

/** The command; `success` is the string "true", which libcloud's destroy_volume compares against. */
export const deleteVolume: CsCommand = {
  name: 'deleteVolume', description: 'Deletes a detached disk volume.', isAsync: false, responseName: 'success',
  params: [{ name: 'id', type: 'uuid', required: true, description: 'the ID of the disk volume' }],
  async handle(core, ctx, p) {
    await core.volumes.delete(ctx, p.id);
    return sync({ success: 'true' });
  },
};
