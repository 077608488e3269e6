/** updateReverseDnsForVirtualMachine: points every public address of a VM's default NIC at one domain name; sync, answers the records. */
import { command, param, sync } from '../../command.js';
import { csVmReverseDns } from '../../views/reverse-dns.js';

/** The command. */
export const updateReverseDnsForVirtualMachine = command({
  name: 'updateReverseDnsForVirtualMachine',
  description: 'Update/create the PTR DNS record(s) for the virtual machine',
  isAsync: false,
  responseName: 'virtualmachine',
  params: {
    id: param.uuid('the ID of the virtual machine').required(),
    domainname: param.string('the domain name for the PTR record(s). It must have a valid TLD').required(),
  },
  async handle(core, ctx, p) {
    const { view } = await core.reverseDns.setForVm(ctx, p.id, p.domainname);
    return sync({ virtualmachine: csVmReverseDns(view) });
  },
});
