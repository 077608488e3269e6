/** Backups: /vm/define/backup/ and /vm/<vm>/define/backup/[<bkpdef>/] (definitions), /vm/<vm>/backup/[<bkpname>/] (backups). */
import type { BackupView } from '../../../core/backups/service.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, failure, ok, taskStarted } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRouter } from '../router.js';
import { definitionRoutes } from './vm-define-snapshot.js';
import { backupView, pathVm, withFields } from './vm-disk-views.js';

const DISK = { type: 'int', min: 1, max: 16 } as const;

/** Maps NotFound of a backup or its definition to Danube's 404 texts. */
async function named<T>(call: () => Promise<T>, what: 'Backup' | 'Backup definition'): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound' && err.reason === 'object')
      throw apiError(404, `${what} not found`);
    throw err;
  }
}

/** Refuses a backup being taken or restored with 417, as Danube does. */
function requireOk(b: BackupView): void {
  if (b.state !== 'ok') throw apiError(417, 'VM backup status is not OK');
}

/** Danube's backup name: the definition's name and the time, `<bkpdef>-YYYYmmdd_HHMMSS`. */
function backupName(def: string, at: Date): string {
  return `${def}-${at.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '_')}`;
}

/** Registers the backup definition and backup routes. */
export function vmBackupRoutes(r: DanubeRouter): void {
  definitionRoutes(r, 'backup');

  r.get(
    '/vm/:vm/backup/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK, define: { type: 'str' } });
      const backups = (await q.core.backups.list(q.ctx, { vmId: vm.id, diskIndex: p.disk_id })).filter(
        (b) => p.define === undefined || b.definitionName === p.define,
      );
      const views = sortBy(
        q,
        backups.map((b) => backupView(b, vm.id)),
        ['name', 'disk_id', 'size', 'created'],
        '-created',
      );
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.name));
    },
    "The VM's backups (names, or objects with full).",
  );
  r.delete(
    '/vm/:vm/backup/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK, bkpnames: { type: 'list', required: true } });
      const names = p.bkpnames!.map(String);
      if (names.length === 0) throw failure(q, { bkpnames: ['This field is required.'] });
      const backups = await Promise.all(
        names.map((n) => named(() => q.core.backups.byName(q.ctx, vm.id, n), 'Backup')),
      );
      backups.forEach(requireOk);
      let last;
      for (const b of backups) last = await q.core.backups.remove(q.ctx, b.id);
      return taskStarted(q, last!, { msg: "Delete backups of server's disk", objectName: vm.name });
    },
    "Deletes several of the VM's backups (bkpnames).",
  );

  r.get(
    '/vm/:vm/backup/:bkpname/',
    async (q) => {
      const vm = await pathVm(q);
      const b = await named(() => q.core.backups.byName(q.ctx, vm.id, q.params.bkpname!), 'Backup');
      return ok(q, backupView(b, vm.id));
    },
    'One backup.',
  );
  r.post(
    '/vm/:vm/backup/:bkpname/',
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, { disk_id: DISK, note: { type: 'str', maxLength: 128 } });
      const defName = q.params.bkpname!;
      const def = await named(() => q.core.schedules.get(q.ctx, 'backup', vm.id, defName), 'Backup definition');
      const receipt = await withFields(q, () =>
        q.core.backups.create(q.ctx, vm.id, {
          diskIndex: p.disk_id ?? def.diskIndex,
          name: backupName(defName, new Date()),
          note: p.note,
          defName,
        }),
      ).catch((err: unknown) => {
        if (err instanceof CoreError && err.reason === 'exists') throw apiError(406, 'Backup already exists');
        throw err;
      });
      return taskStarted(q, receipt, { msg: "Create backup of server's disk", objectName: vm.name });
    },
    'Backs up the disk of the backup definition named in the path.',
  );
  r.put(
    '/vm/:vm/backup/:bkpname/',
    async (q) => {
      const vm = await pathVm(q);
      const b = await named(() => q.core.backups.byName(q.ctx, vm.id, q.params.bkpname!), 'Backup');
      if ('note' in q.data) {
        const p = readParams(q, { note: { type: 'str', maxLength: 128, required: true } });
        const receipt = await q.core.backups.setNote(q.ctx, b.id, p.note!);
        return ok(q, backupView(await q.core.backups.get(q.ctx, b.id), vm.id), { taskId: receipt.taskId });
      }
      const p = readParams(q, {
        target_hostname_or_uuid: { type: 'str', required: true },
        target_disk_id: { ...DISK, required: true },
        disk_id: DISK,
        force: { type: 'bool', default: true },
      });
      requireOk(b);
      const target = await q.core.vms.byNameOrId(q.ctx, p.target_hostname_or_uuid!);
      if (target.state !== 'stopped') throw apiError(423, 'VM is not stopped');
      const receipt = await withFields(q, () =>
        q.core.backups.restore(q.ctx, b.id, { targetVmId: target.id, targetDiskIndex: p.target_disk_id! }),
      );
      return taskStarted(q, receipt, { msg: "Restore backup of server's disk", objectName: target.name });
    },
    "Restores the backup onto a stopped VM's disk (target_hostname_or_uuid, target_disk_id), or changes its note.",
  );
  r.delete(
    '/vm/:vm/backup/:bkpname/',
    async (q) => {
      const vm = await pathVm(q);
      const b = await named(() => q.core.backups.byName(q.ctx, vm.id, q.params.bkpname!), 'Backup');
      requireOk(b);
      const receipt = await q.core.backups.remove(q.ctx, b.id);
      return taskStarted(q, receipt, { msg: "Delete backup of server's disk", objectName: vm.name });
    },
    'Deletes the backup.',
  );
}
