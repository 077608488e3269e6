/** /vm/status/ and /vm/<h>/status/...: VM statuses and the start, stop and reboot actions with Danube's rules. */
import type { VmView } from '../../../core/vms/model.js';
import { apiError, ok, requireSuperAdmin, taskStarted } from '../answers.js';
import { flag, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { statusOf, vmOf, vmsInDc } from './vm-views.js';
import { danubeTaskId } from '../task-ids.js';

/** Statuses in which start, stop and reboot are considered at all (else 423). */
const OPERATIONAL = ['running', 'stopped', 'stopping', 'frozen'];

/** The view, method and log message of a VM task kind, as a status object's `tasks` shows them. */
const TASK_VIEWS: Record<string, [string, string, string]> = {
  'vm.start': ['vm_status', 'PUT', 'Start server'],
  'vm.stop': ['vm_status', 'PUT', 'Stop server'],
  'vm.reboot': ['vm_status', 'PUT', 'Reboot server'],
  'vm.create': ['vm_manage', 'POST', 'Create server'],
  'vm.undeploy': ['vm_manage', 'DELETE', 'Delete server'],
  'vm.destroy': ['vm_manage', 'DELETE', 'Delete server'],
  'vm.migrate': ['vm_migrate', 'PUT', 'Migrate server'],
};

/** Pending tasks of one VM, each as it is in Danube's `tasks` map. */
type Pending = Array<{ id: string; kind: string; created: string }>;

/** The status objects of VMs, with their pending tasks under Danube task ids. */
async function statusObjects(q: DanubeRequest, vms: VmView[]): Promise<Array<Record<string, unknown>>> {
  const pending = await q.core.vms.pendingTasks(
    q.ctx,
    vms.map((v) => v.id),
  );
  return vms.map((vm) => statusObject(q, vm, pending.get(vm.id) ?? []));
}

function statusObject(q: DanubeRequest, vm: VmView, pending: Pending): Record<string, unknown> {
  const tasks: Record<string, unknown> = {};
  for (const t of pending) {
    const [view, method, msg] = TASK_VIEWS[t.kind] ?? ['vm_manage', 'PUT', 'Update server'];
    tasks[danubeTaskId(q.user, q.dc, t.id)] = { view, method, msg, time: t.created };
  }
  return {
    hostname: vm.name,
    uuid: vm.id,
    alias: vm.displayName,
    status: statusOf(vm.state),
    status_change: vm.created,
    node_status: vm.hostId ? 'online' : null,
    tasks,
    uptime: 0,
  };
}

/** The live status of a VM as its node reports it. */
async function current(q: DanubeRequest) {
  const vm = await vmOf(q);
  const live = await q.core.vms.liveStatus(vm);
  const status = live.power === 'unknown' ? 'unknown' : vm.state === 'defined' ? 'notcreated' : statusOf(vm.state);
  return ok(q, { status, status_changed: false, message: '' });
}

/** Starts, stops or reboots the VM by Danube's rules (see §5 of the research notes). */
async function action(q: DanubeRequest, what: 'start' | 'stop' | 'reboot') {
  const vm = await vmOf(q);
  const st = statusOf(vm.state);
  const force = flag(q, 'force');
  if (what === 'stop' && (flag(q, 'freeze') || flag(q, 'unfreeze'))) return freeze(q, vm, st, flag(q, 'freeze'));
  if (!OPERATIONAL.includes(st)) throw apiError(423, 'VM is not operational');
  if (what === 'start') {
    if (st !== 'stopped') throw apiError(417, 'Bad action');
    return taskStarted(q, await q.core.vms.start(q.ctx, vm.id), { msg: 'Start server', objectName: vm.name });
  }
  if (what === 'reboot') {
    if (st !== 'running') throw apiError(417, 'Bad action');
    return taskStarted(q, await q.core.vms.reboot(q.ctx, vm.id), { msg: 'Reboot server', objectName: vm.name });
  }
  if (st !== 'running' && st !== 'stopping') throw apiError(417, 'Bad action');
  if (st === 'stopping' && !force) throw apiError(423, 'VM is already stopping; try to use force');
  return taskStarted(q, await q.core.vms.stop(q.ctx, vm.id, force), { msg: 'Stop server', objectName: vm.name });
}

/** stop with freeze (a stopped VM becomes frozen) or unfreeze (a frozen VM becomes stopped), SuperAdmin only, synchronous. */
async function freeze(q: DanubeRequest, vm: VmView, st: string, on: boolean) {
  requireSuperAdmin(q);
  if (on) {
    if (st !== 'stopped') throw apiError(417, 'Bad action');
    const r = await q.core.vmHold.suspend(vm.serial);
    return ok(
      q,
      { message: `VM ${vm.name} is already stopped. Changing status to frozen.` },
      { taskId: r.receipt.taskId },
    );
  }
  if (st !== 'frozen') throw apiError(417, 'Bad action');
  const r = await q.core.vmHold.unsuspend(vm.serial);
  return ok(q, { message: `VM ${vm.name} is frozen. Changing status to stopped.` }, { taskId: r.receipt.taskId });
}

/** Registers the status routes. */
export function vmStatusRoutes(r: DanubeRouter): void {
  r.get(
    '/vm/status/',
    async (q) => ok(q, sortBy(q, await statusObjects(q, await vmsInDc(q)), ['hostname'], 'hostname')),
    'The statuses of your VMs.',
  );
  r.get('/vm/:vm/status/', async (q) => ok(q, (await statusObjects(q, [await vmOf(q)]))[0]), "A VM's status.");
  r.get('/vm/:vm/status/current/', current, "A VM's status as its node reports it.");
  r.put('/vm/:vm/status/current/', current, "A VM's status as its node reports it.");
  r.put('/vm/:vm/status/start/', (q) => action(q, 'start'), 'Starts a VM.');
  r.put('/vm/:vm/status/stop/', (q) => action(q, 'stop'), 'Stops a VM (force, freeze, unfreeze).');
  r.put('/vm/:vm/status/reboot/', (q) => action(q, 'reboot'), 'Reboots a VM.');
}
