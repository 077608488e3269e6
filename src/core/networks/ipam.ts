/** IP address management: leases addresses from a network's range, one owner per address. */
import type { Q } from '../../store/db.js';
import type { NetworkRow } from '../../store/schema.js';
import { invalid, quotaExceeded } from '../../lib/errors.js';
import { intToIpv4, ipv4ToInt } from '../net/ip.js';
import { dropReverseDns } from '../reverse-dns/release.js';

/** Leases the next free address of the network's range to ownerId; QuotaExceeded when the range is full. */
export async function leaseAddress(q: Q, network: NetworkRow, ownerId: string, wanted?: string): Promise<string> {
  if (!network.start_ip || !network.end_ip)
    throw quotaExceeded(`Network ${network.name} has no address range`, 'exhausted');
  const first = ipv4ToInt(network.start_ip);
  const last = ipv4ToInt(network.end_ip);
  if (wanted) {
    const n = ipv4ToInt(wanted);
    const taken = await q
      .selectFrom('ip_leases')
      .select('owner_id')
      .where('network_id', '=', network.id)
      .where('address', '=', n)
      .executeTakeFirst();
    if (n < first || n > last)
      throw invalid(
        `Address ${wanted} is outside the range ${network.start_ip}-${network.end_ip} of network ${network.name}`,
        'ipAddress',
      );
    if (taken) throw invalid(`Address ${wanted} is already in use in network ${network.name}`, 'ipAddress');
    await q.insertInto('ip_leases').values({ network_id: network.id, address: n, owner_id: ownerId }).execute();
    return wanted;
  }
  // Updating the row takes its lock on PostgreSQL, so concurrent leases in one network take turns.
  const cur = await q
    .updateTable('networks')
    .set((eb) => ({ next_ip: eb.ref('next_ip') }))
    .where('id', '=', network.id)
    .returning('next_ip')
    .executeTakeFirstOrThrow();
  let candidate = Number(cur.next_ip);
  if (candidate < first || candidate > last) candidate = first;
  const taken = await q
    .selectFrom('ip_leases')
    .select('address')
    .where('network_id', '=', network.id)
    .where('address', '=', candidate)
    .executeTakeFirst();
  if (taken) {
    const gap = await q
      .selectFrom('ip_leases as l')
      .select((eb) => eb.fn.min(eb('l.address', '+', 1)).as('free'))
      .where('l.network_id', '=', network.id)
      .where('l.address', '>=', first - 1)
      .where('l.address', '<', last)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('ip_leases as l2')
              .select('l2.address')
              .whereRef('l2.network_id', '=', 'l.network_id')
              .whereRef('l2.address', '=', eb('l.address', '+', 1)),
          ),
        ),
      )
      .executeTakeFirst();
    const firstTaken = await q
      .selectFrom('ip_leases')
      .select('address')
      .where('network_id', '=', network.id)
      .where('address', '=', first)
      .executeTakeFirst();
    const free = !firstTaken ? first : gap?.free != null ? Number(gap.free) : null;
    if (free === null || free > last)
      throw quotaExceeded(`No free IP address left in network ${network.name}`, 'exhausted');
    candidate = free;
  }
  await q.insertInto('ip_leases').values({ network_id: network.id, address: candidate, owner_id: ownerId }).execute();
  await q
    .updateTable('networks')
    .set({ next_ip: candidate + 1 })
    .where('id', '=', network.id)
    .execute();
  return intToIpv4(candidate);
}

/** Frees every address leased to ownerId (a NIC), with the PTR records it holds (its IPv6 one too: the NIC is removed or re-addressed). */
export async function releaseAddresses(q: Q, ownerId: string): Promise<void> {
  await q.deleteFrom('ip_leases').where('owner_id', '=', ownerId).execute();
  await dropReverseDns(q, [ownerId]);
}

/** Frees one address of a network. */
export async function releaseAddress(q: Q, networkId: string, address: string): Promise<void> {
  await q
    .deleteFrom('ip_leases')
    .where('network_id', '=', networkId)
    .where('address', '=', ipv4ToInt(address))
    .execute();
}
