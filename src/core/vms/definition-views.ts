/** Reads for VM definitions: the note, settings, disks and NIC models of VMs, and their unfinished tasks. */
import type { Q } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { VmView } from './model.js';
import { settingsOf } from './definition.js';
import { disksOf, type VmDiskView } from './define-disks.js';
import { nicModels } from '../nics/define.js';

/** What a definition adds to a VM's view: its note, settings, disks in index order, and its NICs' models by NIC id. */
export interface VmDefinitionExtras {
  note: string | null;
  settings: Record<string, string>;
  disks: VmDiskView[];
  nicModels: Map<string, string>;
}

/** An unfinished task of a VM. */
export interface PendingTask {
  id: string;
  kind: string;
  created: string;
}

/** The definition parts of those of these VMs that are the caller's, by VM id. */
export async function definitionExtras(
  q: Q,
  ctx: CallContext,
  vms: VmView[],
): Promise<Map<string, VmDefinitionExtras>> {
  const ids = vms.filter((v) => v.accountId === ctx.accountId).map((v) => v.id);
  if (ids.length === 0) return new Map();
  const [rows, disks, models] = await Promise.all([
    q.selectFrom('vms').select(['id', 'note', 'settings']).where('id', 'in', ids).execute(),
    disksOf(q, ids),
    nicModels(q, ids),
  ]);
  return new Map(
    rows.map((r) => [
      r.id,
      { note: r.note ?? null, settings: settingsOf(r), disks: disks.get(r.id) ?? [], nicModels: models },
    ]),
  );
}

/** The unfinished tasks (PENDING or STARTED) of the caller's VMs by VM id, oldest first. */
export async function pendingTasks(q: Q, ctx: CallContext, vmIds: string[]): Promise<Map<string, PendingTask[]>> {
  const out = new Map<string, PendingTask[]>();
  if (vmIds.length === 0) return out;
  const rows = await q
    .selectFrom('tasks')
    .select(['id', 'kind', 'object_id', 'created_at'])
    .where('account_id', '=', ctx.accountId)
    .where('object_id', 'in', vmIds)
    .where('status', 'in', ['PENDING', 'STARTED'])
    .orderBy('created_at')
    .execute();
  for (const r of rows) {
    const list = out.get(r.object_id) ?? [];
    list.push({ id: r.id, kind: r.kind, created: r.created_at });
    out.set(r.object_id, list);
  }
  return out;
}
