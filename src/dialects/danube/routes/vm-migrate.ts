/** PUT /vm/<h>/migrate/: moves a running or stopped VM to another node of its DC (the named one, or the best one). */
import { CoreError } from '../../../lib/errors.js';
import { apiError, taskStarted } from '../answers.js';
import { readParams } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { statusOf, vmOf } from './vm-views.js';

/** Statuses a VM may be migrated in (else 423). */
const MOVABLE = ['running', 'stopped'];

/** Starts the migration of the caller's VM; root_zpool and disk_zpools name storage Nube does not split by node. */
async function migrate(q: DanubeRequest) {
  const p = readParams(q, {
    node: { type: 'str' },
    root_zpool: { type: 'str' },
    disk_zpools: { type: 'dict' },
    live: { type: 'bool', default: false },
  });
  const vm = await vmOf(q);
  if (!MOVABLE.includes(statusOf(vm.state))) throw apiError(423, 'VM is not operational');
  let hostId: string | undefined;
  if (typeof p.node === 'string' && p.node !== '') {
    const host = (await q.core.hosts.list()).find((h) => h.name === p.node && h.zone_id === vm.zoneId);
    if (!host) throw apiError(404, 'Node not found');
    hostId = host.id;
  }
  const receipt = await q.core.vms.migrate(q.ctx, vm.id, { hostId }).catch((err: unknown) => {
    throw err instanceof CoreError && err.reason === 'busy' ? apiError(409, 'VM has pending tasks') : err;
  });
  return taskStarted(q, receipt, { msg: 'Migrate server', objectName: vm.name });
}

/** Registers the migrate route. */
export function vmMigrateRoutes(r: DanubeRouter): void {
  r.put('/vm/:vm/migrate/', migrate, 'Migrates a VM to another node of its DC (node; live is accepted).');
}
