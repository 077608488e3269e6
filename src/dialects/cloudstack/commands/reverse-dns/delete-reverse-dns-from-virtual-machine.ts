/** deleteReverseDnsFromVirtualMachine: removes the PTR records of a VM's default NIC addresses; sync, `{success: true}`. */
import { command, param, sync } from '../../command.js';

/** The command. */
export const deleteReverseDnsFromVirtualMachine = command({
  name: 'deleteReverseDnsFromVirtualMachine',
  description: 'Delete the PTR DNS record(s) from the virtual machine',
  isAsync: false,
  responseName: 'success',
  params: { id: param.uuid('the ID of the virtual machine').required() },
  async handle(core, ctx, p) {
    await core.reverseDns.deleteForVm(ctx, p.id);
    return sync({ success: true });
  },
});
