/** Registers the core's task steps with the engine: the engine claims and runs tasks, the core knows what each kind does. */
import type { TaskEngine } from '../tasks/engine.js';
import type { HandlerDeps } from './task-steps.js';
import { vmCreate, vmDestroy, vmReboot, vmStart, vmStop } from './vms/tasks/power.js';
import { vmRestore } from './vms/tasks/restore.js';
import { vmUndeploy } from './vms/tasks/undeploy.js';
import { vmMigrate } from './vms/tasks/migrate.js';
import { vmNicAdd, vmNicRemove } from './vms/tasks/nic.js';
import { volumeAttach, volumeDetach, volumeResize } from './volumes/tasks.js';
import { snapshotCreate, snapshotRevert } from './snapshots/tasks.js';
import { backupCreate, backupRestore } from './backups/tasks.js';
import { poolReconcile } from './instance-pools/reconcile.js';

/** Wires handlers to kinds; a kind without a handler fails its tasks with a clear error. */
export function registerTaskHandlers(engine: TaskEngine, deps: HandlerDeps): void {
  engine.register('vm.create', vmCreate(deps));
  engine.register('vm.start', vmStart(deps));
  engine.register('vm.stop', vmStop(deps));
  engine.register('vm.reboot', vmReboot(deps));
  engine.register('vm.destroy', vmDestroy(deps));
  engine.register('vm.restore', vmRestore(deps));
  engine.register('volume.attach', volumeAttach(deps));
  engine.register('volume.detach', volumeDetach(deps));
  engine.register('volume.resize', volumeResize(deps));
  engine.register('snapshot.create', snapshotCreate(deps));
  engine.register('snapshot.revert', snapshotRevert(deps));
  engine.register('vm.nic_add', vmNicAdd(deps));
  engine.register('vm.nic_remove', vmNicRemove(deps));
  engine.register('vm.undeploy', vmUndeploy(deps));
  engine.register('backup.create', backupCreate(deps));
  engine.register('backup.restore', backupRestore(deps));
  engine.register('vm.migrate', vmMigrate(deps));
  engine.register('pool.reconcile', poolReconcile(deps.core));
}
