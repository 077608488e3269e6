/** disassociateIpAddress: gives an elastic IP back to the zone's pool; async. */
import { command, job, param } from '../../command.js';

/** The command. */
export const disassociateIpAddress = command({
  name: 'disassociateIpAddress',
  description: 'Disassociates an IP address.',
  isAsync: true,
  params: { id: param.uuid('the id of the public ip address to disassociate').required() },
  async handle(core, ctx, p) {
    return job((await core.ips.disassociate(ctx, p.id)).taskId, p.id);
  },
});
