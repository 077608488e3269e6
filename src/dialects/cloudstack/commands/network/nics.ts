/** listNics, activateIp6, addIpToNic, removeIpFromNic: a VM's NICs and the elastic IPs attached to them. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, job, list } from '../../command.js';
import { csVmNic } from '../../views/nic.js';

/** listNics. */
export const listNics: CsCommand = {
  name: 'listNics', description: 'list the vm nics IP to NIC', isAsync: false, responseName: 'nic',
  params: [
    ...LIST_PARAMS,
    { name: 'virtualmachineid', type: 'uuid', required: true, description: 'the ID of the vm' },
    { name: 'nicid', type: 'uuid', description: 'the ID of the nic to list IPs' },
    { name: 'networkid', type: 'uuid', description: 'list nics of this network' },
  ],
  async handle(core, ctx, p) {
    const page = await core.nics.list(ctx, p.virtualmachineid, { nicId: p.nicid, networkId: p.networkid, page: p.page, pageSize: p.pagesize });
    return list('nic', page.count, page.items.map(csVmNic));
  },
};

/** activateIp6. */
export const activateIp6: CsCommand = {
  name: 'activateIp6', description: 'Activate the IP6 address on a virtual machine', isAsync: true, responseName: 'nic',
  params: [{ name: 'nicid', type: 'uuid', required: true, description: 'the ID of the nic to which you want to activate the IPv6' }],
  async handle(core, ctx, p) { return job(await core.nics.activateIp6(ctx, p.nicid), p.nicid); },
};

/** addIpToNic. */
export const addIpToNic: CsCommand = {
  name: 'addIpToNic', description: 'Assigns secondary IP to NIC', isAsync: true, responseName: 'nicsecondaryip',
  params: [
    { name: 'nicid', type: 'uuid', required: true, description: 'the ID of the nic to which you want to assign private IP' },
    { name: 'ipaddress', type: 'string', description: 'Secondary IP Address: one of your elastic IPs', max: 64 },
  ],
  async handle(core, ctx, p) {
    const r = await core.nics.addIp(ctx, p.nicid, p.ipaddress);
    return job(r.taskId, r.secondary.id);
  },
};

/** removeIpFromNic. */
export const removeIpFromNic: CsCommand = {
  name: 'removeIpFromNic', description: 'Removes secondary IP from the NIC.', isAsync: true,
  params: [{ name: 'id', type: 'uuid', required: true, description: 'the ID of the secondary ip address to nic' }],
  async handle(core, ctx, p) { return job(await core.nics.removeIp(ctx, p.id), p.id); },
};
