/** Instance pools as every dialect may show them: states, the view, limits and the anti-affinity room check. */
import type { Q } from '../../store/db.js';
import type { InstancePoolRow } from '../../store/schema.js';
import { invalid } from '../../lib/errors.js';
import { parseJson } from '../../lib/util.js';

/** What a pool reports: deploying its first members, settled, growing, shrinking, removing itself, or stuck. */
export type PoolState = 'creating' | 'running' | 'scaling-up' | 'scaling-down' | 'destroying' | 'error';

/** An anti-affinity group holds at most this many VMs (pool members and others together). */
export const ANTI_AFFINITY_MAX_MEMBERS = 8;

/** The largest size a pool may be given. */
const MAX_POOL_SIZE = 100;

/** Member deploys (or destroys) that may fail in a row before the pool stops trying and reports `error`. */
export const MAX_FAILURES = 3;

/** An instance pool: the settings its members are deployed with, its size, state and current members. */
export interface InstancePoolView {
  id: string;
  accountId: string;
  name: string;
  description: string;
  size: number;
  zoneId: string;
  serviceOfferingId: string;
  templateId: string;
  rootDiskSizeGb: number | null;
  keyPair: string | null;
  userData: string | null;
  securityGroupIds: string[];
  antiAffinityGroupIds: string[];
  networkIds: string[];
  state: PoolState;
  /** Why the pool is in `error`, else null. */
  error: string | null;
  /** The live VMs the pool keeps (not those it is removing), oldest first. */
  vmIds: string[];
  created: string;
}

/** The ids stored as a JSON array in a pool column. */
export function idList(text: string): string[] {
  const v = parseJson<unknown>(text, []);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The views of pool rows with their current members. */
export async function poolViews(q: Q, rows: InstancePoolRow[]): Promise<InstancePoolView[]> {
  if (rows.length === 0) return [];
  const members = await q
    .selectFrom('instance_pool_members as m')
    .innerJoin('vms', 'vms.id', 'm.vm_id')
    .select(['m.pool_id', 'm.vm_id'])
    .where(
      'm.pool_id',
      'in',
      rows.map((r) => r.id),
    )
    .where('m.leaving', '=', 0)
    .where('vms.removed_at', 'is', null)
    .orderBy('vms.created_at')
    .orderBy('vms.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    size: Number(r.size),
    zoneId: r.zone_id,
    serviceOfferingId: r.service_offering_id,
    templateId: r.template_id,
    rootDiskSizeGb: r.root_disk_gb === null ? null : Number(r.root_disk_gb),
    keyPair: r.keypair,
    userData: r.userdata,
    securityGroupIds: idList(r.security_group_ids),
    antiAffinityGroupIds: idList(r.affinity_group_ids),
    networkIds: idList(r.network_ids),
    state: r.state as PoolState,
    error: r.error,
    vmIds: members.filter((m) => m.pool_id === r.id).map((m) => m.vm_id),
    created: r.created_at,
  }));
}

/** Checks a pool size: a whole number from 1 to MAX_POOL_SIZE. */
export function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE)
    throw invalid(`The Instance Pool size must be between 1 and ${MAX_POOL_SIZE}`, 'size');
  return size;
}

/**
 * Refuses a pool of `size` members in anti-affinity groups that cannot hold them: each group holds at most 8 VMs, the
 * pool's own members not counted among the others. Runs in the caller's transaction.
 */
export async function checkAntiAffinityRoom(
  q: Q,
  accountId: string,
  groupIds: readonly string[],
  size: number,
  poolId: string | null,
): Promise<void> {
  if (groupIds.length === 0) return;
  const groups = await q
    .selectFrom('affinity_groups')
    .select(['id', 'name'])
    .where('account_id', '=', accountId)
    .where('id', 'in', [...groupIds])
    .execute();
  for (const g of groups) {
    let others = q
      .selectFrom('vm_affinity_groups as l')
      .innerJoin('vms', 'vms.id', 'l.vm_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('l.group_id', '=', g.id)
      .where('vms.removed_at', 'is', null);
    if (poolId)
      others = others.where('l.vm_id', 'not in', (eb) =>
        eb.selectFrom('instance_pool_members').select('vm_id').where('pool_id', '=', poolId),
      );
    const n = Number((await others.executeTakeFirst())?.n ?? 0);
    if (size + n > ANTI_AFFINITY_MAX_MEMBERS) {
      const room = Math.max(0, ANTI_AFFINITY_MAX_MEMBERS - n);
      throw invalid(
        `Anti-affinity group ${g.name} holds at most ${ANTI_AFFINITY_MAX_MEMBERS} instances` +
          (n > 0 ? ` and already has ${n} other member(s)` : '') +
          `: an Instance Pool in it can have at most ${room} instance(s), not ${size}`,
        'size',
      );
    }
  }
}
