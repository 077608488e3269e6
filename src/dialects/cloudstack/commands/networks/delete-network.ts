/** deleteNetwork: removes an unused private network; async. */
import { command, job, param } from '../../command.js';

/** The command. */
export const deleteNetwork = command({
  name: 'deleteNetwork',
  description: 'Delete a network',
  isAsync: true,
  params: {
    id: param.uuid('the ID of the network').required(),
    forced: param.boolean('ignored: a network in use is never deleted'),
  },
  async handle(core, ctx, p) {
    return job((await core.networks.delete(ctx, p.id)).taskId, p.id);
  },
});
