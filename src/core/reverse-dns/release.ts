/** The PTR side of releasing addresses: called in the transaction that releases them, so no PTR outlives its address. */
import type { Q } from '../../store/db.js';
import { canonicalAddress } from '../../lib/reverse-name.js';

/** Deletes the PTR records held by these owners (NICs or elastic IPs) because they release their addresses. */
export async function dropReverseDns(q: Q, ownerIds: readonly string[]): Promise<void> {
  if (ownerIds.length === 0) return;
  await q
    .deleteFrom('reverse_dns')
    .where('owner_id', 'in', [...ownerIds])
    .execute();
}

/** Deletes the PTR records of these addresses (any textual form) because their holder gives them up while it stays (a NIC's IPv6 re-derived from a new MAC). */
export async function dropReverseDnsAt(q: Q, addresses: readonly string[]): Promise<void> {
  const canonical = addresses.map(canonicalAddress).filter((a): a is string => a !== undefined);
  if (canonical.length === 0) return;
  await q.deleteFrom('reverse_dns').where('address', 'in', canonical).execute();
}
