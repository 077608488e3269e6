/** scaleVirtualMachine: a new service offering for a stopped VM; async. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/**
 * The command. Seed 004 documents the job result as `{success: "true"}`, but libcloud's ex_change_node_size reads
 * `jobresult.virtualmachine.serviceofferingid`, so the job answers the scaled `virtualmachine` (core result `{type:'vm'}`).
 */
export const scaleVirtualMachine: CsCommand = {
  name: 'scaleVirtualMachine',
  description: 'Scales a virtual machine to a new service offering size (requires the virtual machine to be stopped).',
  isAsync: true,
  responseName: 'virtualmachine',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
    { name: 'serviceofferingid', type: 'uuid', required: true, description: 'The ID of the service offering for the virtual machine' },
    { name: 'details', type: 'map', description: 'name value pairs of custom parameters (ignored: offerings are fixed)' },
  ],
  async handle(core, ctx, p) {
    return job(await core.vmLifecycle.scale(ctx, p.id, p.serviceofferingid), p.id);
  },
};
