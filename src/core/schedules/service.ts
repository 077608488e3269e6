/** ScheduleService: snapshot and backup definitions per VM disk (name, cron schedule, retention, active, description). */
import type { Q } from '../../store/db.js';
import type { DiskScheduleRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { isUniqueViolation } from '../../store/db.js';
import { newId, nowIso, parseJson } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { vmDisk } from '../backups/vm-disk.js';
import { vmRow } from '../vms/rows.js';
import { checkCron, nextRun } from './cron.js';

/** What a definition makes when it fires. */
export type ScheduleKind = 'snapshot' | 'backup';

/** A snapshot or backup definition as every dialect sees it. */
export interface ScheduleView {
  id: string;
  kind: ScheduleKind;
  vmId: string;
  vmName: string;
  /** The zone of the VM. */
  vmZoneId: string;
  /** 1-based index of the disk among the VM's disks. */
  diskIndex: number;
  name: string;
  /** Five-field cron expression, UTC. */
  schedule: string;
  /** How many of its own snapshots or backups are kept; older ones are deleted when it fires (0 keeps all). */
  retention: number;
  active: boolean;
  description: string;
  /** Settings a dialect keeps with the definition, returned as given. */
  options: Record<string, unknown>;
  /** When it fires next. */
  nextRunAt: string;
  createdAt: string;
}

/** Fields of a new definition. */
export interface ScheduleInput {
  name: string;
  diskIndex?: number;
  schedule: string;
  retention: number;
  active?: boolean;
  description?: string;
  options?: Record<string, unknown>;
}

/** Fields a definition update may change. */
export type SchedulePatch = Partial<Omit<ScheduleInput, 'name'>>;

/** A definition change and the finished task that records it. */
export interface ScheduleChanged {
  receipt: TaskReceipt;
  definition: ScheduleView;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const MAX_RETENTION = 65536;

/** Reads and changes the caller's snapshot and backup definitions. */
export class ScheduleService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The caller's definitions of a kind, of one VM or all, by VM then name. */
  async list(ctx: CallContext, kind: ScheduleKind, f: { vmId?: string } = {}): Promise<ScheduleView[]> {
    let q = this.deps.store.db
      .selectFrom('disk_schedules')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .where('kind', '=', kind);
    if (f.vmId) q = q.where('vm_id', '=', f.vmId);
    return this.views(await q.orderBy('vm_id').orderBy('name').execute());
  }

  /** The caller's definition of the VM by name, or NotFound. */
  async get(ctx: CallContext, kind: ScheduleKind, vmId: string, name: string): Promise<ScheduleView> {
    const [view] = await this.views([await this.row(this.deps.store.db, ctx, kind, vmId, name)]);
    return view!;
  }

  /** Defines a schedule on a disk of one of the caller's VMs (disk 1 by default); Conflict exists when the VM has one of that kind and name. */
  async create(ctx: CallContext, kind: ScheduleKind, vmId: string, input: ScheduleInput): Promise<ScheduleChanged> {
    if (!NAME.test(input.name))
      throw invalid(
        'A definition name is 1 to 32 letters, digits, dots, underscores and dashes, starting with a letter or digit',
        'name',
      );
    const schedule = checkCron(input.schedule);
    const retention = checkRetention(input.retention);
    const id = newId();
    const receipt = await this.deps.store.tx(async (trx) => {
      const disk = await vmDisk(trx, ctx, vmId, input.diskIndex ?? 1);
      const taken = await trx
        .selectFrom('disk_schedules')
        .select('id')
        .where('vm_id', '=', disk.vm.id)
        .where('kind', '=', kind)
        .where('name', '=', input.name)
        .executeTakeFirst();
      if (taken) throw exists(kind, input.name);
      try {
        await trx
          .insertInto('disk_schedules')
          .values({
            id,
            account_id: ctx.accountId,
            kind,
            vm_id: disk.vm.id,
            disk_index: disk.index,
            name: input.name,
            schedule,
            retention,
            active: input.active === false ? 0 : 1,
            description: checkDescription(input.description ?? ''),
            options: JSON.stringify(input.options ?? {}),
            next_run_at: nextRun(schedule, this.now()).toISOString(),
            created_at: nowIso(),
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw exists(kind, input.name);
        throw err;
      }
      return recordSyncChange(trx, {
        objectType: `${kind}_definition`,
        objectId: id,
        ctx,
        payload: { action: 'create' },
      });
    });
    return { receipt, definition: await this.get(ctx, kind, vmId, input.name) };
  }

  /** Changes a definition; a new schedule, or turning it active again, starts counting from now. */
  async update(
    ctx: CallContext,
    kind: ScheduleKind,
    vmId: string,
    name: string,
    patch: SchedulePatch,
  ): Promise<ScheduleChanged> {
    const receipt = await this.deps.store.tx(async (trx) => {
      const row = await this.row(trx, ctx, kind, vmId, name);
      const set: Partial<DiskScheduleRow> = {};
      if (patch.diskIndex !== undefined) set.disk_index = (await vmDisk(trx, ctx, vmId, patch.diskIndex)).index;
      if (patch.retention !== undefined) set.retention = checkRetention(patch.retention);
      if (patch.description !== undefined) set.description = checkDescription(patch.description);
      if (patch.active !== undefined) set.active = patch.active ? 1 : 0;
      if (patch.options !== undefined)
        set.options = JSON.stringify({ ...parseJson<Record<string, unknown>>(row.options, {}), ...patch.options });
      const schedule = patch.schedule !== undefined ? checkCron(patch.schedule) : row.schedule;
      if (schedule !== row.schedule || (patch.active && !row.active)) {
        set.schedule = schedule;
        set.next_run_at = nextRun(schedule, this.now()).toISOString();
      }
      if (Object.keys(set).length) await trx.updateTable('disk_schedules').set(set).where('id', '=', row.id).execute();
      return recordSyncChange(trx, {
        objectType: `${kind}_definition`,
        objectId: row.id,
        ctx,
        payload: { action: 'update' },
      });
    });
    return { receipt, definition: await this.get(ctx, kind, vmId, name) };
  }

  /** Deletes a definition; what it made stays (as snapshots or backups without a definition's retention). */
  async remove(ctx: CallContext, kind: ScheduleKind, vmId: string, name: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await this.row(trx, ctx, kind, vmId, name);
      await trx.deleteFrom('disk_schedules').where('id', '=', row.id).execute();
      return recordSyncChange(trx, {
        objectType: `${kind}_definition`,
        objectId: row.id,
        ctx,
        payload: { action: 'delete' },
      });
    });
  }

  /** The caller's definition row (the VM must be the caller's too), or NotFound. */
  private async row(q: Q, ctx: CallContext, kind: ScheduleKind, vmId: string, name: string): Promise<DiskScheduleRow> {
    const vm = await vmRow(q, ctx, vmId);
    const row = await q
      .selectFrom('disk_schedules')
      .selectAll()
      .where('vm_id', '=', vm.id)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`${kind} definition`, name, 'object');
    return row;
  }

  private async views(rows: DiskScheduleRow[]): Promise<ScheduleView[]> {
    if (rows.length === 0) return [];
    const vmIds = [...new Set(rows.map((r) => r.vm_id))];
    const vms = await this.deps.store.db
      .selectFrom('vms')
      .select(['id', 'name', 'zone_id'])
      .where('id', 'in', vmIds)
      .execute();
    const vmOf = new Map(vms.map((v) => [v.id, v]));
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      vmId: r.vm_id,
      vmName: vmOf.get(r.vm_id)?.name ?? '',
      vmZoneId: vmOf.get(r.vm_id)?.zone_id ?? '',
      diskIndex: Number(r.disk_index),
      name: r.name,
      schedule: r.schedule,
      retention: Number(r.retention),
      active: Number(r.active) === 1,
      description: r.description,
      options: parseJson<Record<string, unknown>>(r.options, {}),
      nextRunAt: r.next_run_at,
      createdAt: r.created_at,
    }));
  }
}

function exists(kind: ScheduleKind, name: string) {
  return conflict(`A ${kind} definition named ${name} already exists for this virtual machine`, 'exists');
}

function checkRetention(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RETENTION)
    throw invalid(`Retention is a whole number from 0 to ${MAX_RETENTION}`, 'retention');
  return n;
}

function checkDescription(text: string): string {
  if (text.length > 128) throw invalid('A description is at most 128 characters', 'description');
  return text;
}
