/** Which resources can carry tags: each taggable type and how to check that the caller owns an object of it. */
import type { Q } from '../../store/db.js';
import { invalid, notFound } from '../../lib/errors.js';

/** The tables that hold taggable resources. */
type TaggableTable =
  'vms' | 'volumes' | 'snapshots' | 'security_groups' | 'public_ips' | 'templates' | 'networks' | 'affinity_groups';

interface TaggableType {
  name: string;
  table: TaggableTable;
  what: string;
  removable: boolean;
}

/** Taggable resource types; the names are CloudStack's, which is the only model that types tags. */
const TYPES: TaggableType[] = [
  { name: 'UserVm', table: 'vms', what: 'virtual machine', removable: true },
  { name: 'Volume', table: 'volumes', what: 'volume', removable: true },
  { name: 'Snapshot', table: 'snapshots', what: 'snapshot', removable: true },
  { name: 'SecurityGroup', table: 'security_groups', what: 'security group', removable: false },
  { name: 'PublicIpAddress', table: 'public_ips', what: 'public IP address', removable: false },
  { name: 'Template', table: 'templates', what: 'template', removable: true },
  { name: 'Network', table: 'networks', what: 'network', removable: true },
  { name: 'AffinityGroup', table: 'affinity_groups', what: 'affinity group', removable: false },
];

/** Names of every taggable resource type, for messages and documentation. */
const TAGGABLE_TYPES: readonly string[] = TYPES.map((t) => t.name);

/** The canonical name of a resource type given in any letter case, or Invalid when it cannot be tagged. */
export function resourceType(name: string): string {
  const t = TYPES.find((x) => x.name.toLowerCase() === name.trim().toLowerCase());
  if (!t)
    throw invalid(`Resource type ${name} cannot be tagged; use one of ${TAGGABLE_TYPES.join(', ')}`, 'resourceType');
  return t.name;
}

/** Checks that every id is a live object of the type owned by the account; NotFound names the first missing one. */
export async function checkOwned(q: Q, accountId: string, type: string, ids: string[]): Promise<void> {
  const t = TYPES.find((x) => x.name === type);
  if (!t) throw invalid(`Resource type ${type} cannot be tagged`, 'resourceType');
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  let query = q.selectFrom(t.table).select('id').where('id', 'in', unique).where('account_id', '=', accountId);
  if (t.removable) query = query.where('removed_at', 'is', null);
  const found = new Set((await query.execute()).map((r) => r.id));
  const missing = unique.find((id) => !found.has(id));
  if (missing) throw notFound(t.what, missing, t.table === 'vms' ? 'vm' : 'object');
}
