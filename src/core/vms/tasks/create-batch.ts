/** vm.create for many tasks at once: one placement transaction and one settling transaction for the whole batch. */
import type { TaskRow, VmRow } from '../../../store/schema.js';
import type { VmSpec } from '../../../drivers/compute/driver.js';
import { placeVms } from '../../hosts/placement.js';
import { nowIso } from '../../../lib/util.js';
import { TimeSlice, nextTurn } from '../../../lib/time-slice.js';
import { finishTasks } from '../../../tasks/queue.js';
import { payloadOf, type HandlerDeps } from '../../task-steps.js';
import { vmSpecs } from './common.js';

/**
 * VMs per placement and settling transaction. The engine claims up to NUBE_WORKERS (64) tasks at once; on SQLite,
 * placing or settling 64 VMs is one step of the group commit that its time slice cannot split, ~12-15 ms of the event
 * loop under a 64-connection burst. Chunks of 16 run side by side, and the group commit takes as many as fit its slice.
 * PostgreSQL keeps whole batches: concurrent placements there would only wait for each other's host rows.
 */
const CHUNK = { sqlite: 16, postgres: 64 } as const;

/** Runs claimed vm.create tasks together; returns the error of each task that failed or was cancelled (the others are finished). */
export async function createBatch(
  deps: HandlerDeps,
  tasks: TaskRow[],
  signals: Map<string, AbortSignal>,
): Promise<Map<string, unknown>> {
  const size = CHUNK[deps.store.kind];
  if (tasks.length <= size) return createChunk(deps, tasks, signals);
  const chunks: TaskRow[][] = [];
  for (let i = 0; i < tasks.length; i += size) chunks.push(tasks.slice(i, i + size));
  // Every chunk stops before a failure is passed on: the runner then runs the batch's tasks alone, which must not
  // overlap a chunk still placing or starting the same VMs.
  const results = await Promise.allSettled(chunks.map((chunk) => createChunk(deps, chunk, signals)));
  const thrown = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (thrown) throw thrown.reason;
  return new Map(results.flatMap((r) => (r.status === 'fulfilled' ? [...r.value] : [])));
}

/** One chunk of a batch: its VMs placed in one transaction, started, and settled in another. */
async function createChunk(
  deps: HandlerDeps,
  tasks: TaskRow[],
  signals: Map<string, AbortSignal>,
): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  const rows = await deps.store.db
    .selectFrom('vms')
    .selectAll()
    .where(
      'id',
      'in',
      tasks.map((t) => t.object_id),
    )
    .execute();
  const vmOf = new Map<string, VmRow>(rows.map((r) => [r.id, r]));
  const starting = tasks.filter(
    (t) => payloadOf<{ start: boolean }>(t).start && vmOf.get(t.object_id) && !vmOf.get(t.object_id)!.removed_at,
  );
  const hosts = new Map<string, string>();
  if (starting.length > 0) {
    const unreachable = await deps.driver.unreachableHosts();
    const placed = await deps.store.tx((trx) =>
      placeVms(
        trx,
        starting.map((t) => vmOf.get(t.object_id)!),
        unreachable,
      ),
    );
    for (const t of starting) {
      const host = placed.get(t.object_id);
      if (typeof host === 'string') hosts.set(t.id, host);
      else failed.set(t.id, host);
    }
  }
  const hosted = starting.filter((t) => hosts.has(t.id));
  const specs = await vmSpecs(
    deps.store.db,
    hosted.map((t) => ({ vm: vmOf.get(t.object_id)!, hostId: hosts.get(t.id)! })),
  );
  if (deps.driver.startMany && specs.length > 0) {
    const byVm = new Map(
      hosted.flatMap((t) => (signals.has(t.id) ? [[t.object_id, signals.get(t.id)!] as const] : [])),
    );
    const refused = await deps.driver.startMany(specs, byVm);
    for (const t of hosted) {
      if (refused.has(t.object_id)) await failStart(deps, t, refused.get(t.object_id), failed);
    }
  } else await startEach(deps, hosted, specs, signals, failed);
  for (const t of tasks) {
    const signal = signals.get(t.id);
    if (signal?.aborted && !failed.has(t.id)) failed.set(t.id, signal.reason);
  }
  const done = tasks.filter((t) => !failed.has(t.id));
  if (done.length === 0) return failed;
  await deps.store.tx(async (trx) => {
    const now = nowIso();
    const live = done.filter((t) => vmOf.get(t.object_id) && !vmOf.get(t.object_id)!.removed_at);
    const running = live.filter((t) => hosts.has(t.id)).map((t) => t.object_id);
    const stopped = live.filter((t) => !hosts.has(t.id)).map((t) => t.object_id);
    if (running.length)
      await trx
        .updateTable('vms')
        .set({ state: 'running', power: 'running', updated_at: now })
        .where('id', 'in', running)
        .execute();
    if (stopped.length)
      await trx
        .updateTable('vms')
        .set({ state: 'stopped', power: 'stopped', updated_at: now })
        .where('id', 'in', stopped)
        .execute();
    if (live.length) {
      await trx
        .updateTable('volumes')
        .set({ state: 'Ready' })
        .where(
          'vm_id',
          'in',
          live.map((t) => t.object_id),
        )
        .where('state', '=', 'Allocated')
        .execute();
    }
    await finishTasks(
      trx,
      done.map((task) => {
        const vm = vmOf.get(task.object_id);
        return {
          task,
          result: { type: 'vm', id: task.object_id, ...(vm?.password_enc ? { passwordEnc: vm.password_enc } : {}) },
        };
      }),
    );
  });
  return failed;
}

/** Starts the VMs one by one, giving the event loop a turn every few milliseconds; a VM that fails is destroyed. */
async function startEach(
  deps: HandlerDeps,
  hosted: TaskRow[],
  specs: VmSpec[],
  signals: Map<string, AbortSignal>,
  failed: Map<string, unknown>,
): Promise<void> {
  let slice = new TimeSlice();
  for (const [i, t] of hosted.entries()) {
    if (slice.spent) {
      await nextTurn();
      slice = new TimeSlice();
    }
    try {
      await deps.driver.start(specs[i]!, { signal: signals.get(t.id) });
    } catch (err) {
      await failStart(deps, t, err, failed);
    }
  }
}

/** The error step of a batch VM whose start failed: whatever the driver made of it destroyed, its task failed with err. */
async function failStart(deps: HandlerDeps, task: TaskRow, err: unknown, failed: Map<string, unknown>): Promise<void> {
  await deps.driver.destroy(task.object_id).catch(() => undefined);
  failed.set(task.id, err);
}
