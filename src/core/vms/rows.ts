/** Row-level helpers every VM operation shares: the caller's VM row, group lookups and the zones' guest networks. */
import type { Q } from '../../store/db.js';
import type { NetworkRow, VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { invalid, notFound } from '../../lib/errors.js';

/** The caller's VM row, or NotFound (also for another account's VM; removed VMs only when asked). */
export async function vmRow(
  q: Q,
  ctx: CallContext,
  id: string,
  opts: { includeRemoved?: boolean } = {},
): Promise<VmRow> {
  const row = await q
    .selectFrom('vms')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', ctx.accountId)
    .executeTakeFirst();
  if (!row || (row.removed_at && !opts.includeRemoved)) throw notFound('virtual machine', id, 'vm');
  return row;
}

/** Resolves group ids or names of the caller's account, NotFound-style Invalid (on `<field>Ids` or `<field>Names`) for unknown ones. */
export async function resolveGroups(
  q: Q,
  ctx: CallContext,
  table: 'security_groups' | 'affinity_groups',
  ids: string[] | undefined,
  names: string[] | undefined,
  what: string,
  field: string,
): Promise<string[]> {
  const wanted = ids?.length ? ids : names?.length ? names : [];
  if (wanted.length === 0) return [];
  const col = ids?.length ? 'id' : 'name';
  const rows = await q
    .selectFrom(table)
    .select(['id', 'name'])
    .where('account_id', '=', ctx.accountId)
    .where(col, 'in', wanted)
    .execute();
  for (const w of wanted) {
    if (!rows.some((r) => (col === 'id' ? r.id : r.name) === w))
      throw invalid(`Unable to find ${what} ${w}`, `${field}${col === 'id' ? 'Ids' : 'Names'}`);
  }
  return [...new Set(rows.map((r) => r.id))];
}

/** The caller's security groups a VM asks to join (on create or update), by ids or by names; one lookup and one set of error fields. */
export function requestedSecurityGroups(
  q: Q,
  ctx: CallContext,
  input: { securityGroupIds?: string[]; securityGroupNames?: string[] },
): Promise<string[]> {
  return resolveGroups(
    q,
    ctx,
    'security_groups',
    input.securityGroupIds,
    input.securityGroupNames,
    'securitygroup',
    'securityGroup',
  );
}

/** The guest network of each zone (its oldest live shared network); Invalid for a zone without one. */
export async function guestNetworks(q: Q, zoneIds: string[]): Promise<Map<string, NetworkRow>> {
  const rows = await q
    .selectFrom('networks')
    .selectAll()
    .where('zone_id', 'in', zoneIds)
    .where('type', '=', 'Shared')
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .execute();
  const out = new Map<string, NetworkRow>();
  for (const r of rows) if (!out.has(r.zone_id)) out.set(r.zone_id, r);
  for (const z of zoneIds) if (!out.has(z)) throw invalid('The zone has no guest network', 'zoneId');
  return out;
}
