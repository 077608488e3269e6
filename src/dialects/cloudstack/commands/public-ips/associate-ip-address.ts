/** associateIpAddress: a new elastic IP from a zone's pool, optionally with a health check; async, the job result is the `ipaddress`. */
import { command, job, param } from '../../command.js';
import { HEALTHCHECK_PARAMS, healthcheck } from './healthcheck-params.js';

/** The command. */
export const associateIpAddress = command({
  name: 'associateIpAddress',
  isAsync: true,
  responseName: 'ipaddress',
  description:
    'Acquires and associates a public IP to an account. An optional healthcheck for the IP can also be configured.',
  params: {
    zoneid: param.uuid('the ID of the availability zone to acquire the IP in').required(),
    ...HEALTHCHECK_PARAMS,
    networkid: param.uuid("ignored: elastic IPs come from the zone's pool"),
    vpcid: param.uuid('ignored: Nube has no VPCs'),
  },
  async handle(core, ctx, p) {
    const r = await core.ips.associate(ctx, { zoneId: p.zoneid, healthcheck: healthcheck(p) });
    return job(r.taskId, r.objectId);
  },
});
