/** queryReverseDnsForVirtualMachine: the PTR records of a VM's default NIC addresses (IPv4 and IPv6); sync. */
import { command, param, sync } from '../../command.js';
import { csVmReverseDns } from '../../views/reverse-dns.js';

/** The command. */
export const queryReverseDnsForVirtualMachine = command({
  name: 'queryReverseDnsForVirtualMachine',
  description: 'Query the PTR DNS record(s) for the virtual machine',
  isAsync: false,
  responseName: 'virtualmachine',
  params: { id: param.uuid('the ID of the virtual machine').required() },
  async handle(core, ctx, p) {
    return sync({ virtualmachine: csVmReverseDns(await core.reverseDns.forVm(ctx, p.id)) });
  },
});
