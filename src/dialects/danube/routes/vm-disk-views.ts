/** What the snapshot, snapshot-definition and backup routes share: VM lookup, names, field names and Danube's views. */
import type { BackupView } from '../../../core/backups/service.js';
import type { ScheduleView } from '../../../core/schedules/service.js';
import type { VmSnapshotView } from '../../../core/snapshots/vm-snapshots.js';
import { CoreError } from '../../../lib/errors.js';
import { failure } from '../answers.js';
import type { DanubeRequest } from '../request.js';

/** Danube's names of snapshots, backups (24) and definitions (8). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The VM of the path (hostname or uuid), or 404 VM not found. */
export function pathVm(q: DanubeRequest) {
  return q.core.vms.byNameOrId(q.ctx, q.params.vm!);
}

/** Refuses a name that Danube would not take (400 FAILURE on `field`). */
export function checkName(q: DanubeRequest, name: string, max: number, field = 'name'): string {
  if (name.length > max) throw failure(q, { [field]: [`Ensure this value has at most ${max} characters.`] });
  if (!NAME.test(name)) throw failure(q, { [field]: ['Enter a valid value.'] });
  return name;
}

/** Core field names as these routes' parameters call them. */
const FIELDS: Readonly<Record<string, string>> = {
  diskIndex: 'disk_id',
  targetDiskIndex: 'target_disk_id',
  description: 'desc',
};

/** Runs a core call; an Invalid error comes back as a FAILURE envelope with Danube's field names. */
export async function withFields<T>(q: DanubeRequest, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof CoreError) || err.kind !== 'Invalid') throw err;
    const out: Record<string, string[]> = {};
    for (const [f, msgs] of Object.entries(err.fields)) out[FIELDS[f] ?? f] = msgs;
    if (Object.keys(out).length === 0) out.non_field_errors = [err.message];
    throw failure(q, out);
  }
}

/** A snapshot as Danube shows it: type 1 automatic, 2 manual; status 1 ok, 2 pending. */
export function snapshotView(s: VmSnapshotView, hostname: string) {
  return {
    hostname,
    define: s.definitionName,
    name: s.name,
    disk_id: s.diskIndex,
    note: s.note,
    type: s.definitionId ? 1 : 2,
    created: s.created,
    status: s.state === 'BackedUp' ? 1 : 2,
    size: s.size,
  };
}

/** A backup as Danube shows it: status 1 ok, 2 pending, 3 restore. */
export function backupView(b: BackupView, vmUuid: string, options: Record<string, unknown> = {}) {
  return {
    hostname: b.vmName,
    vm_uuid: vmUuid,
    vm: b.vmName,
    define: b.definitionName,
    name: b.name,
    disk_id: b.diskIndex,
    type: options.type ?? 1,
    node: options.node ?? 'nube',
    zpool: options.zpool ?? 'zones',
    created: b.createdAt,
    status: b.state === 'ok' ? 1 : b.state === 'creating' ? 2 : 3,
    size: b.size,
    time: null,
    note: b.note,
  };
}

/** A snapshot or backup definition as Danube shows it (backup ones add where and how it is kept). */
export function definitionView(d: ScheduleView) {
  const base = {
    hostname: d.vmName,
    name: d.name,
    disk_id: d.diskIndex,
    desc: d.description,
    active: d.active,
    schedule: d.schedule,
    retention: d.retention,
    fsfreeze: d.options.fsfreeze ?? false,
  };
  if (d.kind === 'snapshot') return base;
  return {
    ...base,
    vm_uuid: d.vmId,
    type: d.options.type ?? 1,
    node: d.options.node ?? 'nube',
    zpool: d.options.zpool ?? 'zones',
    bwlimit: d.options.bwlimit ?? null,
    compression: d.options.compression ?? 0,
  };
}

/** Danube's default schedule and retention of definitions named hourly, daily, weekly or monthly. */
export function scheduleDefaults(name: string): { schedule?: string; retention?: number } {
  const r = (n: number) => Math.floor(Math.random() * n);
  if (name === 'hourly') return { schedule: `${r(60)} * * * *`, retention: 24 };
  if (name === 'daily') return { schedule: `${r(60)} ${r(24)} * * *`, retention: 30 };
  if (name === 'weekly') return { schedule: `${r(60)} ${r(24)} * * ${r(7)}`, retention: 12 };
  if (name === 'monthly') return { schedule: `${r(60)} ${r(24)} ${1 + r(28)} * *`, retention: 6 };
  return {};
}
