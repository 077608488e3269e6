/** changeServiceForVirtualMachine: a new service offering for a stopped VM, answered synchronously. */
import type { CsCommand } from '../../command.js';
import { sync } from '../../command.js';
import { csVm } from '../../views/vm.js';

/** The command. */
export const changeServiceForVirtualMachine: CsCommand = {
  name: 'changeServiceForVirtualMachine',
  description: 'Changes the service offering for a virtual machine. The virtual machine must be in a "Stopped" state for this command to take effect.',
  isAsync: false,
  responseName: 'virtualmachine',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
    { name: 'serviceofferingid', type: 'uuid', required: true, description: 'the service offering ID to apply to the virtual machine' },
    { name: 'details', type: 'map', description: 'name value pairs of custom parameters (ignored: offerings are fixed)' },
  ],
  async handle(core, ctx, p) {
    return sync({ virtualmachine: csVm(await core.vmLifecycle.changeService(ctx, p.id, p.serviceofferingid)) });
  },
};
