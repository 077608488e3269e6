/** Handler of vm.restore: a new root volume from the template, keeping the VM's power state. */
import { newId, nowIso } from '../../../lib/util.js';
import { FINISHED, type TaskHandler } from '../../../tasks/handler.js';
import { finishTask } from '../../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../../task-steps.js';
import { setVmState, taskVm, vmSpec } from './common.js';

/** vm.restore: stops a running VM, swaps its root volume and starts it again. */
export function vmRestore(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const p = payloadOf<{ templateId: string; size: number; from: string }>(task);
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return { type: 'vm', id: task.object_id };
      const wasRunning = p.from === 'running';
      if (wasRunning) await deps.driver.stop(vm.id, { force: true });
      await deps.store.tx(async (trx) => {
        const done = await trx
          .selectFrom('volumes')
          .select('id')
          .where('vm_id', '=', vm.id)
          .where('type', '=', 'ROOT')
          .where('removed_at', 'is', null)
          .where('template_id', '=', p.templateId)
          .where('created_at', '>=', task.created_at)
          .executeTakeFirst();
        if (done) return;
        const old = await trx
          .selectFrom('volumes')
          .selectAll()
          .where('vm_id', '=', vm.id)
          .where('type', '=', 'ROOT')
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        const now = nowIso();
        if (old)
          await trx
            .updateTable('volumes')
            .set({ state: 'Destroy', removed_at: now })
            .where('id', '=', old.id)
            .execute();
        await trx
          .insertInto('volumes')
          .values({
            id: newId(),
            account_id: vm.account_id,
            zone_id: vm.zone_id,
            name: `ROOT-${vm.serial}`,
            type: 'ROOT',
            size: p.size,
            disk_offering_id: null,
            template_id: p.templateId,
            vm_id: vm.id,
            device_id: 0,
            state: 'Ready',
            created_at: now,
            attached_at: now,
            removed_at: null,
          })
          .execute();
        await trx
          .updateTable('vms')
          .set({ template_id: p.templateId, root_disk_size: p.size, updated_at: now })
          .where('id', '=', vm.id)
          .execute();
      });
      // Found again on a re-run after a crash, so the replaced root's data never outlives it.
      const replaced = await deps.store.db
        .selectFrom('volumes')
        .select('id')
        .where('vm_id', '=', vm.id)
        .where('type', '=', 'ROOT')
        .where('removed_at', 'is not', null)
        .where('removed_at', '>=', task.created_at)
        .execute();
      for (const r of replaced) await deps.storage?.remove(r.id);
      if (wasRunning && vm.host_id) {
        const fresh = (await taskVm(deps.store.db, task))!;
        await deps.driver.start(await vmSpec(deps.store.db, fresh, vm.host_id));
      }
      await deps.store.tx(async (trx) => {
        await setVmState(trx, vm.id, wasRunning ? 'running' : 'stopped', wasRunning ? 'running' : 'stopped');
        await finishTask(trx, task, { type: 'vm', id: vm.id });
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const { from } = payloadOf<{ from?: string }>(task);
      await setVmState(q, task.object_id, from ?? 'stopped');
    },
  };
}
