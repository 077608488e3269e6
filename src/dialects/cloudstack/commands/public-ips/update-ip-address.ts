/** updateIpAddress: changes an elastic IP's health check; async, the job result is the `ipaddress`. */
import { command, job, param } from '../../command.js';
import { HEALTHCHECK_PARAMS, healthcheck } from './healthcheck-params.js';

/** The command. */
export const updateIpAddress = command({
  name: 'updateIpAddress',
  description: 'Updates an IP address.',
  isAsync: true,
  responseName: 'ipaddress',
  params: { id: param.uuid('the id of the public IP address to update').required(), ...HEALTHCHECK_PARAMS },
  async handle(core, ctx, p) {
    return job((await core.ips.update(ctx, p.id, healthcheck(p))).taskId, p.id);
  },
});
