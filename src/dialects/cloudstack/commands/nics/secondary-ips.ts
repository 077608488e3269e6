/** addIpToNic and removeIpFromNic: attach one of the caller's elastic IPs to a NIC as a secondary IP, or detach it; async. */
import { command, job, param } from '../../command.js';

/** addIpToNic. */
export const addIpToNic = command({
  name: 'addIpToNic',
  description: 'Assigns secondary IP to NIC',
  isAsync: true,
  responseName: 'nicsecondaryip',
  params: {
    nicid: param.uuid('the ID of the nic to which you want to assign private IP').required(),
    ipaddress: param.string('Secondary IP Address: one of your elastic IPs').maxLength(64),
  },
  async handle(core, ctx, p) {
    const r = await core.nics.addSecondaryIp(ctx, p.nicid, p.ipaddress);
    return job(r.receipt.taskId, r.secondary.id);
  },
});

/** removeIpFromNic. */
export const removeIpFromNic = command({
  name: 'removeIpFromNic',
  description: 'Removes secondary IP from the NIC.',
  isAsync: true,
  params: { id: param.uuid('the ID of the secondary ip address to nic').required() },
  async handle(core, ctx, p) {
    return job((await core.nics.removeSecondaryIp(ctx, p.id)).taskId, p.id);
  },
});
