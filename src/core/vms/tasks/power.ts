/** Handlers of vm.create, vm.start, vm.stop, vm.reboot and vm.destroy: driver calls, then one settling transaction. */
import type { TaskRow } from '../../../store/schema.js';
import { placeVm, releaseHost } from '../../hosts/placement.js';
import { FINISHED, type TaskHandler } from '../../../tasks/handler.js';
import { finishTask, revokeTask } from '../../../tasks/queue.js';
import { createBatch } from './create-batch.js';
import { payloadOf, type HandlerDeps } from '../../task-steps.js';
import { backToDefinition, expungeVm, setVmState, taskVm, vmSpec } from './common.js';

const vmResult = (task: TaskRow) => ({ type: 'vm', id: task.object_id });

/** Places the VM if needed and returns its host id. */
async function ensurePlaced(deps: HandlerDeps, task: TaskRow): Promise<string> {
  const unreachable = await deps.driver.unreachableHosts();
  return deps.store.tx(async (trx) => {
    const vm = (await taskVm(trx, task))!;
    return placeVm(trx, vm, unreachable);
  });
}

/** Powers a VM off in the driver unless it already reports it stopped or absent (undoing a cancelled start). */
async function powerOff(deps: HandlerDeps, vmId: string): Promise<void> {
  const power = await deps.driver.status(vmId);
  if (power !== 'stopped' && power !== 'absent') await deps.driver.stop(vmId, { force: true });
}

/** vm.create: define (and with start, place and boot) a freshly deployed VM; a failed or cancelled create is expunged, a failed deploy of a definition returns to it. */
export function vmCreate(deps: HandlerDeps): TaskHandler {
  return {
    abortable: true,
    async run(task, signal) {
      const { start } = payloadOf<{ start: boolean }>(task);
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return vmResult(task);
      if (start) {
        const hostId = await ensurePlaced(deps, task);
        const spec = await vmSpec(deps.store.db, vm, hostId);
        try {
          await deps.driver.start(spec, { signal });
        } catch (err) {
          await deps.driver.destroy(vm.id).catch(() => undefined);
          throw err;
        }
      }
      signal?.throwIfAborted();
      const result = vm.password_enc ? { ...vmResult(task), passwordEnc: vm.password_enc } : vmResult(task);
      await deps.store.tx(async (trx) => {
        await setVmState(trx, vm.id, start ? 'running' : 'stopped', start ? 'running' : 'stopped');
        await trx
          .updateTable('volumes')
          .set({ state: 'Ready' })
          .where('vm_id', '=', vm.id)
          .where('state', '=', 'Allocated')
          .execute();
        await finishTask(trx, task, result);
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const vm = await taskVm(q, task);
      if (!vm || vm.removed_at) return;
      if (payloadOf<{ deploy?: boolean }>(task).deploy) await backToDefinition(q, vm);
      else await expungeVm(q, deps.store.kind, vm);
    },
    async onRevoke(task) {
      await deps.driver.destroy(task.object_id);
      await deps.store.tx(async (trx) => {
        if (!(await revokeTask(trx, task))) return;
        const vm = await taskVm(trx, task);
        if (!vm || vm.removed_at) return;
        if (payloadOf<{ deploy?: boolean }>(task).deploy) await backToDefinition(trx, vm);
        else await expungeVm(trx, deps.store.kind, vm);
      });
    },
    runBatch: (tasks, signals) => createBatch(deps, tasks, signals),
  };
}

/** vm.start: place and boot a stopped VM; on failure or cancel it is stopped again and its host released. */
export function vmStart(deps: HandlerDeps): TaskHandler {
  return {
    abortable: true,
    async run(task, signal) {
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return vmResult(task);
      const hostId = await ensurePlaced(deps, task);
      await deps.driver.start(await vmSpec(deps.store.db, vm, hostId), { signal });
      signal?.throwIfAborted();
      await deps.store.tx(async (trx) => {
        await setVmState(trx, vm.id, 'running', 'running');
        await finishTask(trx, task, vmResult(task));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const vm = await taskVm(q, task);
      if (!vm || vm.removed_at) return;
      await releaseHost(q, vm);
      await setVmState(q, vm.id, 'stopped', 'stopped');
    },
    async onRevoke(task) {
      await powerOff(deps, task.object_id);
      await deps.store.tx(async (trx) => {
        if (!(await revokeTask(trx, task))) return;
        const vm = await taskVm(trx, task);
        if (!vm || vm.removed_at) return;
        await releaseHost(trx, vm);
        await setVmState(trx, vm.id, 'stopped', 'stopped');
      });
    },
  };
}

/** vm.stop: power off and release the host; on failure the VM keeps running; on cancel it is what the driver reports. */
export function vmStop(deps: HandlerDeps): TaskHandler {
  return {
    abortable: true,
    async run(task, signal) {
      const { force } = payloadOf<{ force?: boolean }>(task);
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return vmResult(task);
      await deps.driver.stop(vm.id, { force: !!force, signal });
      signal?.throwIfAborted();
      await deps.store.tx(async (trx) => {
        await releaseHost(trx, vm);
        await setVmState(trx, vm.id, 'stopped', 'stopped');
        await finishTask(trx, task, vmResult(task));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const { from } = payloadOf<{ from?: string }>(task);
      await setVmState(q, task.object_id, from === 'error' ? 'error' : 'running');
    },
    async onRevoke(task) {
      const { from } = payloadOf<{ from?: string }>(task);
      const power = await deps.driver.status(task.object_id);
      await deps.store.tx(async (trx) => {
        if (!(await revokeTask(trx, task))) return;
        const vm = await taskVm(trx, task);
        if (!vm || vm.removed_at) return;
        if (power === 'running' || power === 'unknown') {
          await setVmState(trx, vm.id, from === 'error' ? 'error' : 'running');
          return;
        }
        await releaseHost(trx, vm);
        await setVmState(trx, vm.id, 'stopped', 'stopped');
      });
    },
  };
}

/** vm.reboot: restart a running VM on its host; a cancelled reboot leaves it running. */
export function vmReboot(deps: HandlerDeps): TaskHandler {
  return {
    abortable: true,
    async run(task, signal) {
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return vmResult(task);
      const hostId = vm.host_id ?? (await ensurePlaced(deps, task));
      await deps.driver.reboot(await vmSpec(deps.store.db, vm, hostId), { signal });
      signal?.throwIfAborted();
      await deps.store.tx(async (trx) => {
        await setVmState(trx, vm.id, 'running', 'running');
        await finishTask(trx, task, vmResult(task));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      await setVmState(q, task.object_id, 'running');
    },
  };
}

/** vm.destroy: power off, remove from the host and expunge; on failure the VM returns to its previous state. */
export function vmDestroy(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const vm = await taskVm(deps.store.db, task);
      if (!vm || vm.removed_at) return vmResult(task);
      await deps.driver.stop(vm.id, { force: true });
      await deps.driver.destroy(vm.id);
      const roots = await deps.store.db
        .selectFrom('volumes')
        .select('id')
        .where('vm_id', '=', vm.id)
        .where('type', '=', 'ROOT')
        .execute();
      for (const r of roots) await deps.storage?.remove(r.id);
      await deps.store.tx(async (trx) => {
        const cur = (await taskVm(trx, task))!;
        await expungeVm(trx, deps.store.kind, cur);
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
