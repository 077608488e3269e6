/** scaleVirtualMachine: a new service offering for a stopped VM; async. */
import { command, job, param } from '../../command.js';

/**
 * The command. Seed 004 documents the job result as `{success: "true"}`, but libcloud's ex_change_node_size reads
 * `jobresult.virtualmachine.serviceofferingid`, so the job answers the scaled `virtualmachine` (core result `{type:'vm'}`).
 */
export const scaleVirtualMachine = command({
  name: 'scaleVirtualMachine',
  description: 'Scales a virtual machine to a new service offering size (requires the virtual machine to be stopped).',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    id: param.uuid('The ID of the virtual machine').required(),
    serviceofferingid: param.uuid('The ID of the service offering for the virtual machine').required(),
    details: param.map('name value pairs of custom parameters (ignored: offerings are fixed)'),
  },
  async handle(core, ctx, p) {
    const r = await core.vms.resize(ctx, p.id, p.serviceofferingid);
    return job(r.taskId, r.objectId);
  },
});
