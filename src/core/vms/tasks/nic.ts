/** Handlers of vm.nic_add and vm.nic_remove: a placed VM is redefined with its new NIC list, then the change settles. */
import type { TaskRow } from '../../../store/schema.js';
import { releaseAddresses } from '../../networks/ipam.js';
import type { TaskHandler } from '../../../tasks/handler.js';
import { finishTask } from '../../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../../task-steps.js';
import { taskVm, vmSpec } from './common.js';

const vmResult = (task: TaskRow) => ({ type: 'vm', id: task.object_id });

/** vm.nic_add: the NIC row and its lease were written with the task; a placed VM gets it on its host; failure removes it. */
export function vmNicAdd(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const vm = await taskVm(deps.store.db, task);
      if (vm && !vm.removed_at && vm.host_id) await deps.driver.define(await vmSpec(deps.store.db, vm, vm.host_id));
      return vmResult(task);
    },
    async onFailure(q, task) {
      const { nicId } = payloadOf<{ nicId?: string }>(task);
      if (!nicId) return;
      await releaseAddresses(q, nicId);
      await q.deleteFrom('nics').where('id', '=', nicId).where('is_default', '=', 0).execute();
    },
  };
}

/** vm.nic_remove: a placed VM is redefined without the NIC, then the NIC, its secondary addresses and its lease go. */
export function vmNicRemove(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const { nicId } = payloadOf<{ nicId: string }>(task);
      const vm = await taskVm(deps.store.db, task);
      if (vm && !vm.removed_at && vm.host_id) {
        const nic = await deps.store.db
          .selectFrom('nics')
          .select('device_id')
          .where('id', '=', nicId)
          .executeTakeFirst();
        const spec = await vmSpec(deps.store.db, vm, vm.host_id);
        if (nic) spec.nics = spec.nics.filter((n) => n.deviceId !== Number(nic.device_id));
        await deps.driver.define(spec);
      }
      await deps.store.tx(async (trx) => {
        await releaseAddresses(trx, nicId);
        await trx.deleteFrom('nic_secondary_ips').where('nic_id', '=', nicId).execute();
        await trx.deleteFrom('nics').where('id', '=', nicId).where('is_default', '=', 0).execute();
        await finishTask(trx, task, vmResult(task));
      });
      return vmResult(task);
    },
  };
}
