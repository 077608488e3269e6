/**
 * The scheduler: fires due snapshot and backup definitions as tasks of their owner, then deletes that definition's
 * oldest snapshots or backups beyond its retention. Each firing is claimed by moving next_run_at forward with a
 * conditional UPDATE, so on PostgreSQL several processes fire a definition once per due time.
 */
import type { Logger } from 'pino';
import type { CallContext } from '../../lib/context.js';
import { CoreError, isDatabaseUnavailable } from '../../lib/errors.js';
import type { DiskScheduleRow } from '../../store/schema.js';
import type { CoreDeps } from '../deps.js';
import type { SnapshotService } from '../snapshots/service.js';
import type { BackupService } from '../backups/service.js';
import type { TaskReceipt } from '../receipt.js';
import { vmDisk } from '../backups/vm-disk.js';
import { nextRun } from './cron.js';

/** What the scheduler needs of the core. */
export interface SchedulerCore {
  deps: CoreDeps;
  snapshots: SnapshotService;
  backups: BackupService;
}

/** One definition fired by a tick: the task it started (or why it could not), and what retention deleted. */
export interface Firing {
  definitionId: string;
  kind: 'snapshot' | 'backup';
  /** The due time this firing stands for. */
  dueAt: string;
  receipt?: TaskReceipt;
  error?: string;
  /** Ids of the snapshots or backups deleted because the definition keeps fewer. */
  pruned: string[];
  /** The disk was busy with another task: the firing is given back and tried again on the next tick. */
  retry?: boolean;
}

/** How often start() ticks, and where it logs. */
export interface SchedulerOptions {
  intervalMs?: number;
  log?: Logger;
}

/** Definitions handled per tick at most (the rest wait for the next one). */
const BATCH = 100;

/** Fires due definitions on every tick: start()/stop() run it on a timer, tests call tick(now) with the time they choose. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly core: SchedulerCore,
    private readonly opts: SchedulerOptions = {},
  ) {}

  /** Ticks every intervalMs (30 s by default) until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running = this.tick(new Date()).catch((err: unknown) => {
        if (isDatabaseUnavailable(err)) this.opts.log?.warn('schedules not checked: the database is unavailable');
        else this.opts.log?.error({ err: String(err) }, 'snapshot and backup schedules could not be checked');
      });
    }, this.opts.intervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Stops ticking and waits for the tick under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Fires every active definition due at `now` that this call claims; a definition missed for a while fires once. */
  async tick(now: Date): Promise<Firing[]> {
    const db = this.core.deps.store.db;
    const due = await db
      .selectFrom('disk_schedules')
      .selectAll()
      .where('active', '=', 1)
      .where('next_run_at', '<=', now.toISOString())
      .orderBy('next_run_at')
      .limit(BATCH)
      .execute();
    const out: Firing[] = [];
    for (const def of due) {
      const next = nextRun(def.schedule, now).toISOString();
      const claimed = await db
        .updateTable('disk_schedules')
        .set({ next_run_at: next })
        .where('id', '=', def.id)
        .where('next_run_at', '=', def.next_run_at)
        .where('active', '=', 1)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      const firing = await this.fire(def);
      if (firing.retry) await this.unclaim(def, next);
      out.push(firing);
    }
    return out;
  }

  /** Starts the definition's snapshot or backup as its owner, then applies its retention. */
  private async fire(def: DiskScheduleRow): Promise<Firing> {
    const firing: Firing = { definitionId: def.id, kind: def.kind, dueAt: def.next_run_at, pruned: [] };
    const ctx = await this.ownerContext(def);
    if (!ctx) return { ...firing, error: 'the account is gone' };
    // Danube's automatic names: <definition>-<YYYYmmdd_HHMMSS> of the due time.
    const name = `${def.name}-${def.next_run_at.slice(0, 19).replace(/[-:]/g, '').replace('T', '_')}`;
    try {
      if (def.kind === 'snapshot') {
        const disk = await vmDisk(this.core.deps.store.db, ctx, def.vm_id, Number(def.disk_index));
        firing.receipt = await this.core.snapshots.create(ctx, disk.volume.id, name, { definitionId: def.id });
      } else {
        firing.receipt = await this.core.backups.create(ctx, def.vm_id, {
          diskIndex: Number(def.disk_index),
          name,
          defName: def.name,
        });
      }
    } catch (err) {
      firing.error = err instanceof Error ? err.message : String(err);
      if (err instanceof CoreError && err.kind === 'NotFound' && err.reason === 'vm') await this.deactivate(def);
      if (err instanceof CoreError && err.kind === 'Conflict' && err.reason === 'busy')
        return { ...firing, retry: true };
      this.opts.log?.warn({ definition: def.id, err: firing.error }, `a scheduled ${def.kind} was not taken`);
    }
    firing.pruned = await this.prune(def, ctx);
    return firing;
  }

  /** Deletes the definition's finished snapshots or backups beyond the newest `retention` (those still being taken count but stay); 0 keeps all. */
  private async prune(def: DiskScheduleRow, ctx: CallContext): Promise<string[]> {
    const db = this.core.deps.store.db;
    const keep = Number(def.retention);
    if (keep === 0) return [];
    const rows =
      def.kind === 'snapshot'
        ? await db
            .selectFrom('snapshots')
            .select(['id', 'state'])
            .where('definition_id', '=', def.id)
            .where('removed_at', 'is', null)
            .orderBy('created_at', 'desc')
            .orderBy('id', 'desc')
            .execute()
        : await db
            .selectFrom('backups')
            .select(['id', 'state'])
            .where('definition_id', '=', def.id)
            .where('removed_at', 'is', null)
            .orderBy('created_at', 'desc')
            .orderBy('id', 'desc')
            .execute();
    const pruned: string[] = [];
    for (const old of rows.slice(keep)) {
      if (old.state !== (def.kind === 'snapshot' ? 'BackedUp' : 'ok')) continue;
      try {
        if (def.kind === 'snapshot') await this.core.snapshots.delete(ctx, old.id);
        else await this.core.backups.remove(ctx, old.id);
        pruned.push(old.id);
      } catch (err) {
        this.opts.log?.warn({ definition: def.id, object: old.id, err: String(err) }, `an old ${def.kind} stays`);
      }
    }
    return pruned;
  }

  /** The definition owner's context, as a task of theirs records it; undefined when the account is gone. */
  private async ownerContext(def: DiskScheduleRow): Promise<CallContext | undefined> {
    const acct = await this.core.deps.store.db
      .selectFrom('accounts')
      .select(['id', 'name'])
      .where('id', '=', def.account_id)
      .executeTakeFirst();
    if (!acct) return undefined;
    return {
      accountId: acct.id,
      accountName: acct.name,
      userId: null,
      isAdmin: false,
      requestId: `schedule-${def.id}`,
      origin: `scheduler:${def.kind}_definition`,
    };
  }

  /** Gives a claimed firing back (its due time again) unless the definition changed meanwhile. */
  private async unclaim(def: DiskScheduleRow, claimedNext: string): Promise<void> {
    await this.core.deps.store.db
      .updateTable('disk_schedules')
      .set({ next_run_at: def.next_run_at })
      .where('id', '=', def.id)
      .where('next_run_at', '=', claimedNext)
      .execute();
  }

  /** Stops a definition whose VM is gone from firing again. */
  private async deactivate(def: DiskScheduleRow): Promise<void> {
    await this.core.deps.store.db.updateTable('disk_schedules').set({ active: 0 }).where('id', '=', def.id).execute();
  }
}
