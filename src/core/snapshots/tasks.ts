/** Handlers of snapshot.create and snapshot.revert: copy bytes between a volume and its snapshot, then settle. */
import type { TaskRow } from '../../store/schema.js';
import { conflict } from '../../lib/errors.js';
import { FINISHED, type TaskHandler } from '../../tasks/handler.js';
import { finishTask } from '../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../task-steps.js';

const snapshotResult = (id: string) => ({ type: 'snapshot', id });

async function taskSnapshot(deps: HandlerDeps, task: TaskRow) {
  const { snapshotId } = payloadOf<{ snapshotId: string }>(task);
  return deps.store.db.selectFrom('snapshots').selectAll().where('id', '=', snapshotId).executeTakeFirst();
}

/** snapshot.create: copies the volume's file to the snapshot's and marks it BackedUp; a failed copy removes the snapshot. */
export function snapshotCreate(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const snap = await taskSnapshot(deps, task);
      if (!snap || snap.removed_at) throw conflict('The snapshot was removed before it could be taken', 'gone');
      await deps.storage?.snapshot(task.object_id, snap.id);
      await deps.store.tx(async (trx) => {
        await trx.updateTable('snapshots').set({ state: 'BackedUp' }).where('id', '=', snap.id).execute();
        await finishTask(trx, task, snapshotResult(snap.id));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const { snapshotId } = payloadOf<{ snapshotId: string }>(task);
      await q
        .updateTable('snapshots')
        .set({ removed_at: new Date().toISOString() })
        .where('id', '=', snapshotId)
        .where('removed_at', 'is', null)
        .execute();
      await deps.storage?.removeSnapshot(snapshotId).catch(() => undefined);
    },
  };
}

/** snapshot.revert: checks the VM is still stopped, copies the snapshot back and restores the volume's size. */
export function snapshotRevert(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const snap = await taskSnapshot(deps, task);
      if (!snap || snap.removed_at)
        throw conflict('The snapshot was deleted before the volume could be reverted', 'gone');
      const vol = await deps.store.db
        .selectFrom('volumes')
        .select(['id', 'vm_id', 'removed_at'])
        .where('id', '=', task.object_id)
        .executeTakeFirst();
      if (!vol || vol.removed_at) throw conflict('The volume was deleted before it could be reverted', 'gone');
      if (vol.vm_id) {
        const vm = await deps.store.db
          .selectFrom('vms')
          .select(['name', 'state'])
          .where('id', '=', vol.vm_id)
          .executeTakeFirst();
        if (vm && vm.state !== 'stopped')
          throw conflict(`Virtual machine ${vm.name} was started before the revert could run`, 'wrong_state');
      }
      await deps.storage?.revert(snap.id, vol.id);
      await deps.store.tx(async (trx) => {
        await trx
          .updateTable('volumes')
          .set({ size: Number(snap.size) })
          .where('id', '=', vol.id)
          .execute();
        await finishTask(trx, task, snapshotResult(snap.id));
      });
      return FINISHED;
    },
  };
}
