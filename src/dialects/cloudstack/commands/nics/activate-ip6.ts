/** activateIp6: gives a NIC its IPv6 address; async, the job result is the `nic`. */
import { command, job, param } from '../../command.js';

/** The command. */
export const activateIp6 = command({
  name: 'activateIp6',
  description: 'Activate the IP6 address on a virtual machine',
  isAsync: true,
  responseName: 'nic',
  params: { nicid: param.uuid('the ID of the nic to which you want to activate the IPv6').required() },
  async handle(core, ctx, p) {
    const r = await core.nics.activateIp6(ctx, p.nicid);
    return job(r.taskId, r.objectId);
  },
});
