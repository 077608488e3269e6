/** changeServiceForVirtualMachine: a new service offering for a stopped VM, answered synchronously. */
import { command, param, sync } from '../../command.js';
import { csVm } from '../../views/vm.js';

/** The command. */
export const changeServiceForVirtualMachine = command({
  name: 'changeServiceForVirtualMachine',
  description:
    'Changes the service offering for a virtual machine. The virtual machine must be in a "Stopped" state for this command to take effect.',
  isAsync: false,
  responseName: 'virtualmachine',
  params: {
    id: param.uuid('The ID of the virtual machine').required(),
    serviceofferingid: param.uuid('the service offering ID to apply to the virtual machine').required(),
    details: param.map('name value pairs of custom parameters (ignored: offerings are fixed)'),
  },
  async handle(core, ctx, p) {
    return sync({ virtualmachine: csVm((await core.vms.changeOffering(ctx, p.id, p.serviceofferingid)).vm) });
  },
});
