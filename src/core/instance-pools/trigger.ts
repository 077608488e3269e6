/**
 * What starts a pool's reconcile: a pool change (create, scale, update, destroy) and the end of any task on one of its
 * member VMs (a deploy done or failed, a destroy through any dialect behind the pool's back). Both queue the reconcile
 * in the transaction that makes the change, so a crash never loses one. A hook at the end of member tasks (rather
 * than a periodic sweep) sees every way a VM goes away, since every dialect destroys VMs through a task, and reacts at
 * once without scanning pools on a timer.
 */
import type { Q } from '../../store/db.js';
import type { EndedTask } from '../../tasks/observers.js';
import { writeLog } from '../../tasks/log.js';
import { nowIso, orderedId } from '../../lib/util.js';

/** The task log's name for pools. */
export const POOL_OBJECT = 'instance pool';

/** Who queued a reconcile: the pool's account, the user when a call did, and the origin recorded with the task. */
export interface ReconcileCause {
  accountId: string;
  userId: string | null;
  origin: string;
}

/**
 * Queues a pool.reconcile task in q's transaction unless one is waiting to start. The waiting one is claimed by an
 * UPDATE, which on PostgreSQL holds it until this transaction ends, so it cannot start before this change is visible.
 */
export async function queueReconcile(q: Q, poolId: string, cause: ReconcileCause): Promise<void> {
  const waiting = await q
    .updateTable('tasks')
    .set((eb) => ({ payload: eb.ref('payload') }))
    .where('object_id', '=', poolId)
    .where('kind', '=', 'pool.reconcile')
    .where('status', '=', 'PENDING')
    .executeTakeFirst();
  if (Number(waiting.numUpdatedRows) > 0) return;
  const id = orderedId();
  await q
    .insertInto('tasks')
    .values({
      id,
      account_id: cause.accountId,
      user_id: cause.userId,
      kind: 'pool.reconcile',
      object_type: POOL_OBJECT,
      object_id: poolId,
      exclusive: 0,
      status: 'PENDING',
      payload: '{}',
      result: null,
      error: null,
      origin: cause.origin,
      attempts: 0,
      lease_owner: null,
      lease_until: null,
      created_at: nowIso(),
      started_at: null,
      finished_at: null,
    })
    .execute();
  await writeLog(q, {
    taskId: id,
    accountId: cause.accountId,
    userId: cause.userId,
    objectType: POOL_OBJECT,
    objectId: poolId,
    action: 'pool.reconcile',
    status: 'PENDING',
  });
}

/** Task-end observer: tasks on pool members ended, so their pools reconcile; member deploy and destroy failures are counted. */
export async function onMemberTaskEnds(q: Q, ended: EndedTask[]): Promise<void> {
  const onVms = ended.filter((e) => e.task.object_type === 'virtual machine');
  if (onVms.length === 0) return;
  const members = await q
    .selectFrom('instance_pool_members')
    .select(['vm_id', 'pool_id'])
    .where(
      'vm_id',
      'in',
      onVms.map((e) => e.task.object_id),
    )
    .execute();
  const poolOf = new Map(members.map((m) => [m.vm_id, m.pool_id]));
  const byPool = new Map<string, EndedTask[]>();
  for (const e of onVms) {
    const poolId = poolOf.get(e.task.object_id);
    if (!poolId) continue;
    const events = byPool.get(poolId) ?? [];
    events.push(e);
    byPool.set(poolId, events);
  }
  for (const [poolId, events] of byPool) await onMemberTasksEnd(q, poolId, events);
}

/**
 * Counts a pool's member deploy and destroy outcomes in their order (a failure adds one, a success starts again from
 * zero) with one update for a batch of them, and queues the pool's reconcile.
 */
async function onMemberTasksEnd(q: Q, poolId: string, events: EndedTask[]): Promise<void> {
  let reset = false;
  let failed = 0;
  for (const { task, status } of events) {
    if (task.kind !== 'vm.create' && task.kind !== 'vm.destroy') continue;
    if (status === 'FAILURE') failed++;
    else if (status === 'SUCCESS') {
      reset = true;
      failed = 0;
    }
  }
  if (reset) await q.updateTable('instance_pools').set({ failures: failed }).where('id', '=', poolId).execute();
  else if (failed > 0)
    await q
      .updateTable('instance_pools')
      .set((eb) => ({ failures: eb('failures', '+', failed) }))
      .where('id', '=', poolId)
      .execute();
  await queueReconcile(q, poolId, {
    accountId: events[0]!.task.account_id,
    userId: null,
    origin: 'instance-pool:reconcile',
  });
}
