/** Fault injection for the sim driver, stored in the database so the CLI and the HTTP endpoint share it. */
import type { Q } from '../../../store/db.js';
import type { SimFaultRow } from '../../../store/schema.js';
import { newId, nowIso } from '../../../lib/util.js';
import type { FaultInput } from '../driver.js';

/** The faults the sim driver knows. */
export const FAULT_KINDS = ['host_unreachable', 'fail_next_start', 'latency'] as const;

let localVersion = 0;

/** Bumped on every change made in this process, so the driver's cache sees local changes at once. */
export const faultsVersion = (): number => localVersion;

/** Counts a change made to the stored faults behind this module's back (the whole state was replaced). */
export function faultsReplaced(): void {
  localVersion++;
}

/** Stores a fault; count is how many operations it affects (-1 = until cleared). */
export async function addFault(q: Q, f: FaultInput): Promise<SimFaultRow> {
  const row: SimFaultRow = {
    id: newId(),
    kind: f.kind,
    host_id: f.hostId ?? null,
    vm_id: f.vmId ?? null,
    value: f.value ?? 0,
    remaining: f.count ?? (f.kind === 'fail_next_start' ? 1 : -1),
    created_at: nowIso(),
  };
  await q.insertInto('sim_faults').values(row).execute();
  localVersion++;
  return row;
}

/** Lists current faults. */
export async function listFaults(q: Q): Promise<SimFaultRow[]> {
  return q.selectFrom('sim_faults').selectAll().orderBy('created_at').execute();
}

/** Removes one fault, or all when id is absent; returns how many were removed. */
export async function clearFaults(q: Q, id?: string): Promise<number> {
  let del = q.deleteFrom('sim_faults');
  if (id) del = del.where('id', '=', id);
  const r = await del.executeTakeFirst();
  localVersion++;
  return Number(r.numDeletedRows);
}
