/** /vm/ and /vm/<h>/: the caller's VMs in the DC in force; POST deploys a definition, DELETE takes a stopped VM back to its definition. */
import { apiError, ok, taskStarted } from '../answers.js';
import { flag, sortBy } from '../params.js';
import type { DanubeRouter } from '../router.js';
import { vmContext, vmExtended, vmObject, vmOf, vmsInDc } from './vm-views.js';
import { vmDefineRoutes } from './vm-define.js';
import { vmStatusRoutes } from './vm-status.js';

/** Fields GET /vm/ sorts by. */
const ORDER = ['hostname'];

/** Registers the VM routes, with the definition and status routes of vm-define.ts and vm-status.ts. */
export function vmRoutes(r: DanubeRouter): void {
  vmDefineRoutes(r);
  vmStatusRoutes(r);
  r.get(
    '/vm/',
    async (q) => {
      const vms = await vmsInDc(q);
      const c = await vmContext(q, vms);
      const extended = flag(q, 'extended');
      const objects = sortBy(
        q,
        vms.map((vm) => (extended ? vmExtended(vm, c) : vmObject(vm, c))),
        ORDER,
        'hostname',
      );
      return ok(q, flag(q, 'full') || extended ? objects : objects.map((o) => o.hostname));
    },
    'Your VMs in the datacenter.',
  );
  r.get(
    '/vm/:vm/',
    async (q) => {
      const vm = await vmOf(q);
      const c = await vmContext(q, [vm]);
      return ok(q, flag(q, 'extended') ? vmExtended(vm, c) : vmObject(vm, c));
    },
    'One VM.',
  );
  r.post(
    '/vm/:vm/',
    async (q) => {
      const vm = await vmOf(q);
      if (flag(q, 'recreate') && !flag(q, 'force')) throw apiError(417, 'Are you sure?');
      if (vm.state !== 'defined') throw apiError(423, 'VM is already created');
      const defs = await q.core.vms.definitions(q.ctx, [vm]);
      if ((defs.get(vm.id)?.disks.length ?? 0) === 0) throw apiError(428, 'VM has no bootable disk');
      const receipt = await q.core.vms.deploy(q.ctx, vm.id);
      return taskStarted(q, receipt, { msg: 'Create server', objectName: vm.name });
    },
    'Deploys a VM definition on a node and starts it.',
  );
  r.put(
    '/vm/:vm/',
    async (q) => {
      const vm = await vmOf(q);
      if (vm.state === 'defined') throw apiError(423, 'VM is not created');
      const c = await vmContext(q, [vm]);
      return ok(q, vmObject(vm, c));
    },
    'Applies a changed definition (definitions apply as they change).',
  );
  r.delete(
    '/vm/:vm/',
    async (q) => {
      const vm = await vmOf(q);
      if (vm.state !== 'stopped') throw apiError(423, 'VM is not stopped');
      const receipt = await q.core.vms.undeploy(q.ctx, vm.id);
      return taskStarted(q, receipt, { msg: 'Delete server', objectName: vm.name });
    },
    'Removes a stopped VM from its node; its definition stays.',
  );
}
