/** listNics: a VM's NICs with the elastic IPs attached to them. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csVmNic } from '../../views/nic.js';

/** The command. */
export const listNics = command({
  name: 'listNics',
  description: 'list the vm nics IP to NIC',
  isAsync: false,
  responseName: 'nic',
  params: {
    ...LIST_PARAMS,
    virtualmachineid: param.uuid('the ID of the vm').required(),
    nicid: param.uuid('the ID of the nic to list IPs'),
    networkid: param.uuid('list nics of this network'),
  },
  async handle(core, ctx, p) {
    const page = await core.nics.list(ctx, p.virtualmachineid, {
      nicId: p.nicid,
      networkId: p.networkid,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('nic', page.count, page.items.map(csVmNic));
  },
});
