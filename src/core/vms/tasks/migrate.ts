/** Handler of vm.migrate: a running VM is stopped on its host and started on the target; a stopped VM only changes host. */
import type { Q } from '../../../store/db.js';
import type { TaskRow, VmRow } from '../../../store/schema.js';
import { FINISHED, type TaskHandler } from '../../../tasks/handler.js';
import { finishTask } from '../../../tasks/queue.js';
import { unavailable } from '../../../lib/errors.js';
import { nowIso } from '../../../lib/util.js';
import { payloadOf, type HandlerDeps } from '../../task-steps.js';
import { taskVm, vmSpec } from './common.js';

const MIB = 1024 * 1024;

interface MigratePayload {
  hostId: string;
  from: 'running' | 'stopped';
}

/** Moves the VM's reserved capacity from its host to hostId and records the move, in the caller's transaction. */
async function moveCapacity(q: Q, vm: VmRow, hostId: string): Promise<void> {
  const mem = Number(vm.memory) * MIB;
  const mhz = Number(vm.cpu_number) * Number(vm.cpu_speed);
  const r = await q
    .updateTable('hosts')
    .set((eb) => ({
      mem_used: eb('mem_used', '+', mem),
      cpu_used_mhz: eb('cpu_used_mhz', '+', mhz),
      vm_count: eb('vm_count', '+', 1),
    }))
    .where('id', '=', hostId)
    .where((eb) => eb(eb('mem_used', '+', mem), '<=', eb.ref('mem_total')))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0)
    throw unavailable('The target host has no free resources for the virtual machine any more', 'no_capacity');
  if (vm.host_id)
    await q
      .updateTable('hosts')
      .set((eb) => ({
        mem_used: eb('mem_used', '-', mem),
        cpu_used_mhz: eb('cpu_used_mhz', '-', mhz),
        vm_count: eb('vm_count', '-', 1),
      }))
      .where('id', '=', vm.host_id)
      .execute();
  await q
    .updateTable('vms')
    .set({ host_id: hostId, home_host_id: hostId, updated_at: nowIso() })
    .where('id', '=', vm.id)
    .execute();
}

/** vm.migrate: moves the VM to the payload's host; a failed move leaves it running (or stopped) on its old host. */
export function vmMigrate(deps: HandlerDeps): TaskHandler {
  const result = (task: TaskRow) => ({ type: 'vm', id: task.object_id });
  return {
    async run(task) {
      const { hostId } = payloadOf<MigratePayload>(task);
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return result(task);
      // Re-run after a crash: the VM may already sit on the target.
      if (vm.host_id === hostId || (!vm.host_id && vm.home_host_id === hostId)) {
        await deps.store.tx((trx) => finishTask(trx, task, result(task)));
        return FINISHED;
      }
      if (!vm.host_id) {
        await deps.store.tx(async (trx) => {
          await trx
            .updateTable('vms')
            .set({ home_host_id: hostId, updated_at: nowIso() })
            .where('id', '=', vm.id)
            .execute();
          await finishTask(trx, task, result(task));
        });
        return FINISHED;
      }
      const oldHost = vm.host_id;
      await deps.driver.stop(vm.id, { force: false });
      try {
        await deps.driver.start(await vmSpec(deps.store.db, vm, hostId));
        await deps.store.tx(async (trx) => {
          await moveCapacity(trx, vm, hostId);
          await finishTask(trx, task, result(task));
        });
      } catch (err) {
        // Back where it was: powered off wherever the driver put it, then booted on the old host.
        await deps.driver.stop(vm.id, { force: true }).catch(() => undefined);
        await deps.driver.start(await vmSpec(deps.store.db, vm, oldHost)).catch(() => undefined);
        throw err;
      }
      return FINISHED;
    },
  };
}
