/** updateNetwork: renames a private network or changes its IP range; async, the job result is the `network`. */
import { command, job, param } from '../../command.js';
import { RANGE_PARAMS } from './create-network.js';

/** The command. */
export const updateNetwork = command({
  name: 'updateNetwork',
  description: 'Update a network',
  isAsync: true,
  responseName: 'network',
  params: {
    id: param.uuid('the ID of the network').required(),
    name: param.string('the new name for the network').maxLength(255),
    displaytext: param.string('the new display text for the network').maxLength(255),
    ...RANGE_PARAMS,
  },
  async handle(core, ctx, p) {
    const { taskId } = await core.networks.update(ctx, p.id, {
      name: p.name,
      displayText: p.displaytext,
      startIp: p.startip,
      endIp: p.endip,
      netmask: p.netmask,
    });
    return job(taskId, p.id);
  },
});
