/** The members of a pool as its reconciler reads and changes them: live members, anti-affinity room, member deploys and destroys. */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { nowIso } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import type { CoreDeps } from '../deps.js';
import { insertOfferingVm } from '../vms/create-offering.js';
import { insertOfferingVms } from '../vms/create-many.js';
import type { BatchedCreate } from '../vms/create-many-links.js';
import { ANTI_AFFINITY_MAX_MEMBERS } from './model.js';

/** VM states a leaving member may be destroyed from. */
export const DESTROYABLE = ['running', 'stopped', 'error'];

/** One member as the reconciler sees it. */
export interface Member {
  vmId: string;
  leaving: boolean;
  state: string;
  created: string;
  busy: boolean;
}

/** The pool's members with live VMs (rows of VMs that are gone are deleted), and whether each has an open exclusive task. */
export async function loadMembers(trx: Transaction<DB>, poolId: string): Promise<Member[]> {
  const rows = await trx
    .selectFrom('instance_pool_members as m')
    .leftJoin('vms', 'vms.id', 'm.vm_id')
    .select(['m.vm_id', 'm.leaving', 'm.created_at', 'vms.state', 'vms.removed_at'])
    .where('m.pool_id', '=', poolId)
    .execute();
  const gone = rows.filter((r) => !r.state || r.removed_at);
  if (gone.length)
    await trx
      .deleteFrom('instance_pool_members')
      .where(
        'vm_id',
        'in',
        gone.map((r) => r.vm_id),
      )
      .execute();
  const live = rows.filter((r) => r.state && !r.removed_at);
  const busy = new Set(
    live.length
      ? (
          await trx
            .selectFrom('tasks')
            .select('object_id')
            .where(
              'object_id',
              'in',
              live.map((r) => r.vm_id),
            )
            .where('exclusive', '=', 1)
            .where('status', 'in', ['PENDING', 'STARTED'])
            .execute()
        ).map((t) => t.object_id)
      : [],
  );
  return live
    .map((r) => ({
      vmId: r.vm_id,
      leaving: Number(r.leaving) === 1,
      state: r.state!,
      created: r.created_at,
      busy: busy.has(r.vm_id),
    }))
    .sort((a, b) => a.created.localeCompare(b.created) || a.vmId.localeCompare(b.vmId));
}

/** How many more VMs the pool's anti-affinity groups can take (the least of them) and which group that is. */
export async function antiAffinityRoom(
  trx: Transaction<DB>,
  groupIds: string[],
): Promise<{ free: number; name: string }> {
  let best = { free: Number.MAX_SAFE_INTEGER, name: '' };
  for (const id of groupIds) {
    const g = await trx
      .selectFrom('affinity_groups as g')
      .select(['g.name'])
      .select((eb) =>
        eb
          .selectFrom('vm_affinity_groups as l')
          .innerJoin('vms', 'vms.id', 'l.vm_id')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('l.group_id', '=', 'g.id')
          .where('vms.removed_at', 'is', null)
          .as('n'),
      )
      .where('g.id', '=', id)
      .executeTakeFirst();
    if (!g) continue;
    const free = ANTI_AFFINITY_MAX_MEMBERS - Number(g.n ?? 0);
    if (free < best.free) best = { free, name: g.name };
  }
  return best;
}

/** Moves a member VM to destroying and queues its vm.destroy, as destroyVirtualMachine would. */
export async function destroyMember(deps: CoreDeps, trx: Transaction<DB>, ctx: CallContext, m: Member): Promise<void> {
  const r = await trx
    .updateTable('vms')
    .set({ state: 'destroying', updated_at: nowIso() })
    .where('id', '=', m.vmId)
    .where('state', '=', m.state)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return;
  await enqueueTask(deps.store, trx, {
    kind: 'vm.destroy',
    objectType: 'virtual machine',
    objectId: m.vmId,
    payload: { expunge: true, from: m.state },
    ctx,
  });
}

/**
 * Writes new members in the reconcile's transaction: their VMs and vm.create tasks through the batch path ordinary
 * creates take (a few statements whatever their number), then their member rows. A refused batch is undone to a
 * savepoint and each VM written alone, so the pool meets the refusal a lone deploy would, as ordinary creates do.
 */
export async function deployMembers(
  deps: CoreDeps,
  trx: Transaction<DB>,
  poolId: string,
  creates: readonly BatchedCreate[],
): Promise<void> {
  if (creates.length === 0) return;
  if (creates.length === 1) await insertOfferingVm(deps, trx, creates[0]!.ctx, creates[0]!.input, creates[0]!.vm);
  else {
    await sql`savepoint pool_members`.execute(trx);
    try {
      await insertOfferingVms(deps, trx, creates);
      await sql`release savepoint pool_members`.execute(trx);
    } catch {
      await sql`rollback to savepoint pool_members`.execute(trx);
      await sql`release savepoint pool_members`.execute(trx);
      for (const c of creates) await insertOfferingVm(deps, trx, c.ctx, c.input, c.vm);
    }
  }
  const now = nowIso();
  await trx
    .insertInto('instance_pool_members')
    .values(creates.map((c) => ({ vm_id: c.vm.id, pool_id: poolId, leaving: 0, created_at: now })))
    .execute();
}
