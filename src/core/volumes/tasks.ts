/** Handlers of volume.attach, volume.detach and volume.resize: driver or storage work, then one settling transaction. */
import type { TaskRow } from '../../store/schema.js';
import { conflict } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { FINISHED, type TaskHandler } from '../../tasks/handler.js';
import { finishTask } from '../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../task-steps.js';

const volumeResult = (task: TaskRow) => ({ type: 'volume', id: task.object_id });

async function taskVolume(deps: HandlerDeps, task: TaskRow) {
  return deps.store.db.selectFrom('volumes').selectAll().where('id', '=', task.object_id).executeTakeFirst();
}

/** volume.attach: plugs the volume into its VM (the slot was reserved when the task was queued); failure frees the slot. */
export function volumeAttach(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const p = payloadOf<{ vmId: string; deviceId: number }>(task);
      const vol = await taskVolume(deps, task);
      const vm = await deps.store.db
        .selectFrom('vms')
        .select(['id', 'removed_at'])
        .where('id', '=', p.vmId)
        .executeTakeFirst();
      if (!vol || vol.removed_at || vol.vm_id !== p.vmId || !vm || vm.removed_at) {
        throw conflict('The virtual machine or the volume went away before the volume could be attached', 'gone');
      }
      await deps.driver.attachVolume(p.vmId, {
        id: vol.id,
        deviceId: p.deviceId,
        size: Number(vol.size),
        type: vol.type as 'ROOT' | 'DATADISK',
        templateId: vol.template_id,
      });
      await deps.store.tx(async (trx) => {
        await trx.updateTable('volumes').set({ state: 'Ready' }).where('id', '=', vol.id).execute();
        await finishTask(trx, task, volumeResult(task));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const p = payloadOf<{ vmId: string; fromState?: string }>(task);
      await q
        .updateTable('volumes')
        .set({ vm_id: null, device_id: null, attached_at: null, ...(p.fromState ? { state: p.fromState } : {}) })
        .where('id', '=', task.object_id)
        .where('vm_id', '=', p.vmId)
        .execute();
    },
  };
}

/** volume.detach: unplugs the volume, then frees its slot; a VM that went away meanwhile already released it. */
export function volumeDetach(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const { vmId } = payloadOf<{ vmId: string }>(task);
      const vol = await taskVolume(deps, task);
      if (vol && vol.vm_id === vmId) await deps.driver.detachVolume(vmId, vol.id);
      await deps.store.tx(async (trx) => {
        await trx
          .updateTable('volumes')
          .set({ vm_id: null, device_id: null, attached_at: null })
          .where('id', '=', task.object_id)
          .where('vm_id', '=', vmId)
          .execute();
        await finishTask(trx, task, volumeResult(task));
      });
      return FINISHED;
    },
  };
}

/** volume.resize: grows the data file (if any) and records the new size and offering. */
export function volumeResize(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const p = payloadOf<{ size: number; diskOfferingId: string | null }>(task);
      const vol = await taskVolume(deps, task);
      if (!vol || vol.removed_at) throw conflict('The volume was deleted before it could be resized', 'gone');
      await deps.storage?.resize(vol.id, p.size);
      await deps.store.tx(async (trx) => {
        await trx
          .updateTable('volumes')
          .set({ size: p.size, disk_offering_id: p.diskOfferingId })
          .where('id', '=', vol.id)
          .execute();
        if (vol.type === 'ROOT' && vol.vm_id) {
          await trx
            .updateTable('vms')
            .set({ root_disk_size: p.size, updated_at: nowIso() })
            .where('id', '=', vol.vm_id)
            .execute();
        }
        await finishTask(trx, task, volumeResult(task));
      });
      return FINISHED;
    },
  };
}
