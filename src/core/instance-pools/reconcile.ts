/**
 * The pool.reconcile step: brings a pool to its size in one transaction. It forgets members whose VM is gone, marks
 * the surplus as leaving, destroys leaving members that are free, deploys missing members (their VMs, member rows and
 * vm.create tasks written together through the batch path of ordinary creates, so a crash between steps converges to
 * exactly `size`), and sets the state.
 * Idempotent: it reads everything it decides from the database, and a run again after a crash decides the same.
 */
import type { Transaction } from 'kysely';
import type { DB, InstancePoolRow, TaskRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { CoreError } from '../../lib/errors.js';
import { nowIso, randomToken } from '../../lib/util.js';
import type { TaskHandler } from '../../tasks/handler.js';
import type { CoreDeps } from '../deps.js';
import type { VmCreateInput } from '../vms/create-input.js';
import { prepareOfferingVm, type PreparedVm } from '../vms/create-offering.js';
import { ANTI_AFFINITY_MAX_MEMBERS, MAX_FAILURES, idList, type PoolState } from './model.js';
import { DESTROYABLE, antiAffinityRoom, deployMembers, destroyMember, loadMembers, type Member } from './members.js';
import { POOL_OBJECT } from './trigger.js';
import { writeLog } from '../../tasks/log.js';

/** The task handler of pool.reconcile, built over the core's dependencies (with the engine's store). */
export function poolReconcile(deps: CoreDeps): TaskHandler {
  return {
    async run(task) {
      await reconcilePool(deps, task);
      return { type: 'success' };
    },
  };
}

/** A member's deploy input: the pool's settings and an Exoscale-style name, `pool-<5 of the pool id>-<5 random>`. */
function memberInput(pool: InstancePoolRow): VmCreateInput {
  const suffix = randomToken(8)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .padEnd(5, '0')
    .slice(0, 5);
  return {
    name: `pool-${pool.id.slice(0, 5)}-${suffix}`,
    zoneId: pool.zone_id,
    offeringId: pool.service_offering_id,
    templateId: pool.template_id,
    rootDiskSizeGb: pool.root_disk_gb ?? undefined,
    sshKeyName: pool.keypair ?? undefined,
    userData: pool.userdata ?? undefined,
    securityGroupIds: idList(pool.security_group_ids),
    affinityGroupIds: idList(pool.affinity_group_ids),
    networkIds: idList(pool.network_ids),
    start: true,
  };
}

/** The pool owner's context for member deploys and destroys, as the reconcile task records it. */
async function ownerContext(deps: CoreDeps, pool: InstancePoolRow, task: TaskRow): Promise<CallContext | undefined> {
  const acct = await deps.store.db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('id', '=', pool.account_id)
    .executeTakeFirst();
  if (!acct) return undefined;
  return {
    accountId: acct.id,
    accountName: acct.name,
    userId: task.user_id,
    isAdmin: false,
    requestId: `pool-${pool.id}`,
    origin: 'instance-pool:reconcile',
  };
}

/** Runs reconcile passes until one needs no more prepared deploys than it had; a business error puts the pool in `error`. */
async function reconcilePool(deps: CoreDeps, task: TaskRow): Promise<void> {
  for (let pass = 0; pass < 5; pass++) {
    const pool = await deps.store.db
      .selectFrom('instance_pools')
      .selectAll()
      .where('id', '=', task.object_id)
      .executeTakeFirst();
    if (!pool) return;
    const ctx = await ownerContext(deps, pool, task);
    if (!ctx) return;
    const live = await deps.store.db
      .selectFrom('instance_pool_members as m')
      .innerJoin('vms', 'vms.id', 'm.vm_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('m.pool_id', '=', pool.id)
      .where('m.leaving', '=', 0)
      .where('vms.removed_at', 'is', null)
      .executeTakeFirst();
    const want = pool.state === 'destroying' ? 0 : Math.max(0, Number(pool.size) - Number(live?.n ?? 0));
    try {
      const prepared: Array<{ input: VmCreateInput; vm: PreparedVm }> = [];
      for (let i = 0; i < want; i++) {
        const input = memberInput(pool);
        prepared.push({ input, vm: await prepareOfferingVm(deps, ctx, input) });
      }
      const done = await deps.store.tx((trx) => reconcileIn(deps, trx, ctx, pool.id, prepared));
      deps.tasks.wake();
      if (done) return;
    } catch (err) {
      if (!(err instanceof CoreError)) throw err;
      // A member that is busy ends its task soon, and that end queues the next reconcile.
      if (err.kind === 'Conflict' && err.reason === 'busy') return;
      await setError(deps, pool.id, `Instance Pool members cannot be deployed: ${err.message}`);
      return;
    }
  }
}

/** Puts the pool in `error` with a reason (unless it is being destroyed). */
async function setError(deps: CoreDeps, poolId: string, message: string): Promise<void> {
  await deps.store.db
    .updateTable('instance_pools')
    .set({ state: 'error', error: message, updated_at: nowIso() })
    .where('id', '=', poolId)
    .where('state', '!=', 'destroying')
    .execute();
}

/** One reconcile pass in a transaction; false when it needed more prepared deploys than it was given. */
async function reconcileIn(
  deps: CoreDeps,
  trx: Transaction<DB>,
  ctx: CallContext,
  poolId: string,
  prepared: Array<{ input: VmCreateInput; vm: PreparedVm }>,
): Promise<boolean> {
  // Taking the pool's row first makes concurrent reconciles of one pool (PostgreSQL) run one after the other.
  await trx
    .updateTable('instance_pools')
    .set((eb) => ({ state: eb.ref('state') }))
    .where('id', '=', poolId)
    .execute();
  const pool = await trx.selectFrom('instance_pools').selectAll().where('id', '=', poolId).executeTakeFirst();
  if (!pool) return true;
  const members = await loadMembers(trx, pool.id);
  const destroying = pool.state === 'destroying';
  const size = destroying ? 0 : Number(pool.size);
  let active = members.filter((m) => !m.leaving);
  if (active.length > size) {
    // Shrink: members in error go first, then those not yet running, then the newest (the last listed).
    const rank = (m: Member) => (m.state === 'error' ? 0 : m.state !== 'running' ? 1 : 2);
    const order = [...active].sort(
      (a, b) => rank(a) - rank(b) || b.created.localeCompare(a.created) || b.vmId.localeCompare(a.vmId),
    );
    const drop = order.slice(0, active.length - size);
    for (const m of drop) m.leaving = true;
    await trx
      .updateTable('instance_pool_members')
      .set({ leaving: 1 })
      .where(
        'vm_id',
        'in',
        drop.map((m) => m.vmId),
      )
      .execute();
    active = members.filter((m) => !m.leaving);
  }
  for (const m of members) {
    if (!m.leaving || m.busy || !DESTROYABLE.includes(m.state)) continue;
    await destroyMember(deps, trx, ctx, m);
  }
  if (destroying) {
    if (members.length > 0) return true;
    await trx.deleteFrom('instance_pools').where('id', '=', pool.id).execute();
    await writeLog(trx, {
      taskId: null,
      accountId: pool.account_id,
      userId: ctx.userId,
      objectType: POOL_OBJECT,
      objectId: pool.id,
      action: 'pool.destroyed',
      status: 'SUCCESS',
    });
    return true;
  }
  let deficit = size - active.length;
  let blocked: string | null = null;
  if (deficit > 0 && Number(pool.failures) >= MAX_FAILURES)
    blocked = `${MAX_FAILURES} member deployments failed in a row; scale or update the Instance Pool to try again`;
  if (deficit > 0 && !blocked) {
    const room = await antiAffinityRoom(trx, idList(pool.affinity_group_ids));
    if (room.free < deficit) {
      const waiting = members.some((m) => m.leaving);
      if (!waiting)
        blocked = `Anti-affinity group ${room.name} holds at most ${ANTI_AFFINITY_MAX_MEMBERS} instances and is full`;
      deficit = Math.max(0, room.free);
    }
    if (deficit > prepared.length) return false;
    const creates = prepared.slice(0, deficit).map((p) => ({ ctx, ...p }));
    await deployMembers(deps, trx, pool.id, creates);
    for (const c of creates)
      active.push({ vmId: c.vm.id, leaving: false, state: 'creating', created: nowIso(), busy: true });
  }
  const state = nextState(pool, active, members, blocked);
  await trx
    .updateTable('instance_pools')
    .set({
      state: state.state,
      error: state.error,
      updated_at: state.state === pool.state ? pool.updated_at : nowIso(),
    })
    .where('id', '=', pool.id)
    .execute();
  return true;
}

/** The pool's state after a pass: settled when every kept member runs, else growing or shrinking, or stuck. */
function nextState(
  pool: InstancePoolRow,
  active: Member[],
  members: Member[],
  blocked: string | null,
): { state: PoolState; error: string | null } {
  if (blocked) return { state: 'error', error: blocked };
  const broken = active.find((m) => m.state === 'error');
  if (broken) return { state: 'error', error: `Instance Pool member ${broken.vmId} is in error` };
  const leaving = members.some((m) => m.leaving);
  const settled =
    active.length === Number(pool.size) && !leaving && active.every((m) => !m.busy && m.state !== 'creating');
  if (settled) return { state: 'running', error: null };
  if (pool.state === 'creating') return { state: 'creating', error: null };
  if (active.length < Number(pool.size) || active.some((m) => m.state === 'creating'))
    return { state: 'scaling-up', error: null };
  if (leaving) return { state: 'scaling-down', error: null };
  return { state: pool.state === 'error' ? 'running' : (pool.state as PoolState), error: null };
}
