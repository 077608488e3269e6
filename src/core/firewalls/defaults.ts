/** The security group every account starts with. */
import type { Q } from '../../store/db.js';
import { newId, nowIso } from '../../lib/util.js';

/** Name of the group VMs join when a deploy names none. */
export const DEFAULT_GROUP = 'default';

/** Creates the account's "default" security group (no ingress rules, all egress allowed). */
export async function createDefaultSecurityGroup(q: Q, accountId: string): Promise<string> {
  const id = newId();
  await q
    .insertInto('security_groups')
    .values({
      id,
      account_id: accountId,
      name: DEFAULT_GROUP,
      description: 'Default Security Group',
      created_at: nowIso(),
    })
    .execute();
  return id;
}
