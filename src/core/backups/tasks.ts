/** Handlers of backup.create and backup.restore: copy bytes between a VM disk's volume and a backup, then settle. */
import type { TaskRow } from '../../store/schema.js';
import { conflict } from '../../lib/errors.js';
import { FINISHED, type TaskHandler } from '../../tasks/handler.js';
import { finishTask } from '../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../task-steps.js';

interface BackupPayload {
  backupId: string;
  vmId: string;
}

const backupResult = (id: string) => ({ type: 'backup', id });

async function taskBackup(deps: HandlerDeps, task: TaskRow) {
  const { backupId } = payloadOf<BackupPayload>(task);
  return deps.store.db.selectFrom('backups').selectAll().where('id', '=', backupId).executeTakeFirst();
}

/** backup.create: copies the volume's bytes to the backup's file and marks it ok; a failed copy removes the backup. */
export function backupCreate(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const bkp = await taskBackup(deps, task);
      if (!bkp || bkp.removed_at) throw conflict('The backup was removed before it could be taken', 'gone');
      await deps.storage?.backup(task.object_id, bkp.id);
      await deps.store.tx(async (trx) => {
        await trx.updateTable('backups').set({ state: 'ok' }).where('id', '=', bkp.id).execute();
        await finishTask(trx, task, backupResult(bkp.id));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const { backupId } = payloadOf<BackupPayload>(task);
      await q
        .updateTable('backups')
        .set({ removed_at: new Date().toISOString() })
        .where('id', '=', backupId)
        .where('removed_at', 'is', null)
        .execute();
      await deps.storage?.removeBackup(backupId).catch(() => undefined);
    },
  };
}

/** backup.restore: checks the target VM is still stopped, copies the backup onto its volume (keeping a larger volume's size). */
export function backupRestore(deps: HandlerDeps): TaskHandler {
  return {
    async run(task) {
      const { vmId } = payloadOf<BackupPayload>(task);
      const bkp = await taskBackup(deps, task);
      if (!bkp || bkp.removed_at) throw conflict('The backup was deleted before it could be restored', 'gone');
      const db = deps.store.db;
      const vol = await db
        .selectFrom('volumes')
        .select(['id', 'size', 'removed_at'])
        .where('id', '=', task.object_id)
        .executeTakeFirst();
      if (!vol || vol.removed_at) throw conflict('The disk was deleted before the backup could be restored', 'gone');
      const vm = await db.selectFrom('vms').select(['name', 'state']).where('id', '=', vmId).executeTakeFirst();
      if (vm && vm.state !== 'stopped')
        throw conflict(`Virtual machine ${vm.name} was started before the restore could run`, 'wrong_state');
      if (deps.storage) {
        await deps.storage.restoreBackup(bkp.id, vol.id);
        if (Number(vol.size) > Number(bkp.size) && (await deps.storage.has(vol.id)))
          await deps.storage.resize(vol.id, Number(vol.size));
      }
      await deps.store.tx(async (trx) => {
        await trx.updateTable('backups').set({ state: 'ok' }).where('id', '=', bkp.id).execute();
        await finishTask(trx, task, backupResult(bkp.id));
      });
      return FINISHED;
    },
    async onFailure(q, task) {
      const { backupId } = payloadOf<BackupPayload>(task);
      await q
        .updateTable('backups')
        .set({ state: 'ok' })
        .where('id', '=', backupId)
        .where('state', '=', 'restoring')
        .execute();
    },
  };
}
