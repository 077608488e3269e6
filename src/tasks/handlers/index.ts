/** Registers every task kind's handler with the engine. */
import type { TaskEngine } from '../engine.js';
import type { HandlerDeps } from './vm-common.js';
import { vmCreate, vmDestroy, vmReboot, vmStart, vmStop } from './vm-power.js';
import { vmRestore } from './vm-restore.js';
import { registerVolumeHandlers } from './volume.js';
import { vmNicAdd, vmNicRemove } from './vm-nic.js';

/** Wires handlers to kinds; a kind without a handler fails its tasks with a clear error. */
export function registerHandlers(engine: TaskEngine, deps: HandlerDeps): void {
  engine.register('vm.create', vmCreate(deps));
  engine.register('vm.start', vmStart(deps));
  engine.register('vm.stop', vmStop(deps));
  engine.register('vm.reboot', vmReboot(deps));
  engine.register('vm.destroy', vmDestroy(deps));
  engine.register('vm.restore', vmRestore(deps));
  registerVolumeHandlers(engine, deps);
  engine.register('vm.nic_add', vmNicAdd(deps));
  engine.register('vm.nic_remove', vmNicRemove(deps));
}
