/** Handler of vm.undeploy: the VM leaves its host and its disks' data is removed; its definition, NICs and addresses stay. */
import type { TaskRow } from '../../../store/schema.js';
import { FINISHED, type TaskHandler } from '../../../tasks/handler.js';
import { finishTask } from '../../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../../task-steps.js';
import { backToDefinition, setVmState, taskVm } from './common.js';

const vmResult = (task: TaskRow) => ({ type: 'vm', id: task.object_id });

/** vm.undeploy: driver destroy, volume data removed, back to defined; every step may run again after a crash. On failure the VM is stopped again. */
export function vmUndeploy(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return vmResult(task);
      await deps.driver.stop(vm.id, { force: true });
      await deps.driver.destroy(vm.id);
      const vols = await deps.store.db
        .selectFrom('volumes')
        .select('id')
        .where('vm_id', '=', vm.id)
        .where('removed_at', 'is', null)
        .execute();
      for (const v of vols) await deps.storage?.remove(v.id);
      await deps.store.tx(async (trx) => {
        const cur = (await taskVm(trx, task))!;
        await backToDefinition(trx, cur);
        await finishTask(trx, task, vmResult(task));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const { from } = payloadOf<{ from?: string }>(task);
      await setVmState(q, task.object_id, from ?? 'stopped');
    },
  };
}
