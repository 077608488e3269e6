/** /vm/define/snapshot/ and /vm/<vm>/define/snapshot/[<snapdef>/]: snapshot definitions (cron schedules); backup ones reuse this. */
import type { ScheduleKind, ScheduleView } from '../../../core/schedules/service.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, failure, ok } from '../answers.js';
import { flag, readParams, sortBy, type FieldSpec } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { checkName, definitionView, pathVm, scheduleDefaults, withFields } from './vm-disk-views.js';

const TITLE: Record<ScheduleKind, string> = { snapshot: 'Snapshot definition', backup: 'Backup definition' };

/** Settings Danube keeps on a backup definition that Nube stores as given (where and how a backup would be written). */
const BACKUP_OPTIONS: Record<string, FieldSpec> = {
  type: { type: 'int', choices: [1, 2] },
  node: { type: 'str', maxLength: 255 },
  zpool: { type: 'str', maxLength: 64 },
  bwlimit: { type: 'int', min: 0, max: 2147483647, nullable: true },
  compression: { type: 'int', choices: [0, 1, 2, 3] },
};

/** The definition fields a create or update reads (all optional here; create checks schedule and retention). */
function specOf(kind: ScheduleKind): Record<string, FieldSpec> {
  return {
    disk_id: { type: 'int', min: 1, max: 16 },
    schedule: { type: 'str', maxLength: 100 },
    retention: { type: 'int', min: 0, max: 65536 },
    active: { type: 'bool' },
    desc: { type: 'str', maxLength: 128 },
    fsfreeze: { type: 'bool' },
    ...(kind === 'backup' ? BACKUP_OPTIONS : {}),
  };
}

/** The Danube-only settings among read parameters. */
function optionsOf(kind: ScheduleKind, p: Record<string, unknown>): Record<string, unknown> {
  const keys = ['fsfreeze', ...(kind === 'backup' ? Object.keys(BACKUP_OPTIONS) : [])];
  return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

/** Runs a core call on a definition: NotFound of it is 404 `<Kind> definition not found`, exists is 406. */
async function onDefinition<T>(q: DanubeRequest, kind: ScheduleKind, call: () => Promise<T>): Promise<T> {
  try {
    return await withFields(q, call);
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound' && err.reason === 'object')
      throw apiError(404, `${TITLE[kind]} not found`);
    if (err instanceof CoreError && err.reason === 'exists') throw apiError(406, `${TITLE[kind]} already exists`);
    throw err;
  }
}

/** A list answer: names, or objects with full/extended, by order_by (hostname, then newest first by default). */
function listAnswer(q: DanubeRequest, defs: ScheduleView[]) {
  const rows = defs.map((d) => ({ ...definitionView(d), created: d.createdAt }));
  const sorted = sortBy(q, rows, ['name', 'disk_id', 'hostname', 'created'], 'hostname,-created');
  if (!(flag(q, 'full') || flag(q, 'extended')))
    return ok(
      q,
      sorted.map((d) => d.name),
    );
  return ok(
    q,
    sorted.map(({ created: _created, ...view }) => view),
  );
}

/** Registers the definition routes of one kind under /vm/define/<kind>/ and /vm/<vm>/define/<kind>/. */
export function definitionRoutes(r: DanubeRouter, kind: ScheduleKind): void {
  r.get(
    `/vm/define/${kind}/`,
    async (q) => {
      const defs = await q.core.schedules.list(q.ctx, kind);
      return listAnswer(
        q,
        defs.filter((d) => !q.dc.zoneId || d.vmZoneId === q.dc.zoneId),
      );
    },
    `Your VMs' ${kind} definitions.`,
  );
  r.get(
    `/vm/:vm/define/${kind}/`,
    async (q) => {
      const vm = await pathVm(q);
      return listAnswer(q, await q.core.schedules.list(q.ctx, kind, { vmId: vm.id }));
    },
    `The VM's ${kind} definitions.`,
  );
  const one = `/vm/:vm/define/${kind}/:def/`;
  r.get(
    one,
    async (q) => {
      const vm = await pathVm(q);
      const d = await onDefinition(q, kind, () => q.core.schedules.get(q.ctx, kind, vm.id, q.params.def!));
      return ok(q, definitionView(d));
    },
    `One ${kind} definition.`,
  );
  r.post(
    one,
    async (q) => {
      const vm = await pathVm(q);
      const name = checkName(q, q.params.def!, 8);
      const p = readParams(q, specOf(kind)) as Record<string, unknown>;
      const defaults = scheduleDefaults(name);
      const schedule = (p.schedule as string | undefined) ?? defaults.schedule;
      const retention = (p.retention as number | undefined) ?? defaults.retention;
      const missing: Record<string, string[]> = {};
      if (schedule === undefined) missing.schedule = ['This field is required.'];
      if (retention === undefined) missing.retention = ['This field is required.'];
      if (Object.keys(missing).length) throw failure(q, missing);
      const { receipt, definition } = await onDefinition(q, kind, () =>
        q.core.schedules.create(q.ctx, kind, vm.id, {
          name,
          diskIndex: (p.disk_id as number | undefined) ?? 1,
          schedule: schedule!,
          retention: retention!,
          active: (p.active as boolean | undefined) ?? true,
          description: (p.desc as string | undefined) ?? '',
          options: optionsOf(kind, p),
        }),
      );
      return ok(q, definitionView(definition), { status: 201, taskId: receipt.taskId });
    },
    `Creates a ${kind} definition (schedule: cron, retention: how many are kept).`,
  );
  r.put(
    one,
    async (q) => {
      const vm = await pathVm(q);
      const p = readParams(q, specOf(kind)) as Record<string, unknown>;
      const { receipt, definition } = await onDefinition(q, kind, () =>
        q.core.schedules.update(q.ctx, kind, vm.id, q.params.def!, {
          schedule: p.schedule as string | undefined,
          retention: p.retention as number | undefined,
          active: p.active as boolean | undefined,
          description: p.desc as string | undefined,
          options: optionsOf(kind, p),
        }),
      );
      return ok(q, definitionView(definition), { taskId: receipt.taskId });
    },
    `Changes a ${kind} definition.`,
  );
  r.delete(
    one,
    async (q) => {
      const vm = await pathVm(q);
      const receipt = await onDefinition(q, kind, () => q.core.schedules.remove(q.ctx, kind, vm.id, q.params.def!));
      return ok(q, null, { taskId: receipt.taskId });
    },
    `Deletes a ${kind} definition (what it made stays).`,
  );
}

/** Registers the snapshot definition routes. */
export function vmDefineSnapshotRoutes(r: DanubeRouter): void {
  definitionRoutes(r, 'snapshot');
}
