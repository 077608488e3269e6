/** What an account uses of each limited resource, counted from its live rows (in the caller's transaction when checking). */
import type { Q } from '../../store/db.js';
import type { LimitName } from '../../config.js';
import { parseJson } from '../../lib/util.js';

/** Use per limited resource in the limit's unit, except storage_gb, counted in bytes. */
export type QuotaUse = Record<LimitName, number>;

/** Task kinds that grow a volume when they run: their growth counts as used from the moment they are queued. */
const GROWING_TASKS = ['volume.resize', 'vm.restore'];

/**
 * Counts the account's use of the named resources only (each costs one query over the account's live rows):
 * live VMs with their vCPUs and memory, live volumes with their bytes plus the growth of queued resizes and restores,
 * live snapshots, public IPs and private networks.
 */
export async function countUse(q: Q, accountId: string, names: readonly LimitName[]): Promise<Partial<QuotaUse>> {
  const want = new Set(names);
  const use: Partial<QuotaUse> = {};
  if (want.has('vms') || want.has('cpus') || want.has('memory_mb')) {
    const r = await q
      .selectFrom('vms')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('cpu_number').as('cpus'),
        eb.fn.sum<number>('memory').as('mem'),
      ])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    Object.assign(use, { vms: Number(r.n), cpus: Number(r.cpus ?? 0), memory_mb: Number(r.mem ?? 0) });
  }
  if (want.has('volumes') || want.has('storage_gb')) {
    const r = await q
      .selectFrom('volumes')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    use.volumes = Number(r.n);
    use.storage_gb = Number(r.bytes ?? 0) + (want.has('storage_gb') ? await pendingGrowth(q, accountId) : 0);
  }
  if (want.has('snapshots')) {
    use.snapshots = await count(
      q
        .selectFrom('snapshots')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('removed_at', 'is', null),
    );
  }
  if (want.has('ips')) {
    use.ips = await count(
      q
        .selectFrom('public_ips')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId),
    );
  }
  if (want.has('networks')) {
    use.networks = await count(
      q
        .selectFrom('networks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('removed_at', 'is', null),
    );
  }
  return use;
}

async function count(query: { executeTakeFirstOrThrow(): Promise<{ n: number }> }): Promise<number> {
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** Bytes that queued resizes and restores of the account will add to its volumes once they run. */
async function pendingGrowth(q: Q, accountId: string): Promise<number> {
  const open = await q
    .selectFrom('tasks')
    .select(['kind', 'object_id', 'payload'])
    .where('status', 'in', ['PENDING', 'STARTED'])
    .where('kind', 'in', GROWING_TASKS)
    .where('account_id', '=', accountId)
    .execute();
  let bytes = 0;
  for (const t of open) {
    const size = Number(parseJson<{ size?: number }>(t.payload, {}).size ?? 0);
    let current = q.selectFrom('volumes').select('size').where('removed_at', 'is', null);
    current =
      t.kind === 'volume.resize'
        ? current.where('id', '=', t.object_id)
        : current.where('vm_id', '=', t.object_id).where('type', '=', 'ROOT');
    const row = await current.executeTakeFirst();
    bytes += Math.max(0, size - Number(row?.size ?? 0));
  }
  return bytes;
}
