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
  return leaseNext(q, network, ownerId, first, last);
}

/** How many addresses after the cursor are tried before the range is searched for a free one. */
const PROBES = 16;
/** Networks whose cursor this process keeps; past this many the cursors start afresh (they are only hints). */
const MAX_CURSORS = 1000;

/**
 * Per network range, the address this process leases next. It is a hint: the lease's primary key decides, so a
 * taken address (by another process, or before a restart) is skipped. Keeping it here instead of in the network's
 * row means concurrent creates in one network lock no shared row (on PostgreSQL the row's lock was held by each
 * creating transaction until its commit, so they took turns).
 */
const cursors = new Map<string, number>();

/** The key of the network range's cursor, which is set (after the highest leased address, at first) when missing. */
async function cursorOf(q: Q, network: NetworkRow, first: number, last: number): Promise<string> {
  const key = `${network.id}|${network.created_at}|${first}|${last}`;
  if (!cursors.has(key)) {
    const top = await q
      .selectFrom('ip_leases')
      .select((eb) => eb.fn.max('address').as('top'))
      .where('network_id', '=', network.id)
      .where('address', '>=', first)
      .where('address', '<=', last)
      .executeTakeFirst();
    const start = Math.max(Number(network.next_ip), top?.top == null ? first : Number(top.top) + 1);
    if (cursors.size >= MAX_CURSORS) cursors.clear();
    if (!cursors.has(key)) cursors.set(key, start);
  }
  return key;
}

/** The cursor's address, moving the cursor on (back to the range's start after its end). */
function takeCandidate(key: string, first: number, last: number): number {
  let candidate = cursors.get(key) ?? first;
  if (candidate < first || candidate > last) candidate = first;
  cursors.set(key, candidate + 1);
  return candidate;
}

/**
 * Leases one address to each of ownerIds in one network: one insert tries the next addresses after the cursor for all
 * of them; an owner whose address was taken gets one as leaseAddress finds it. Returns the addresses in ownerIds' order.
 */
export async function leaseAddresses(q: Q, network: NetworkRow, ownerIds: string[]): Promise<string[]> {
  if (!network.start_ip || !network.end_ip || ownerIds.length < 2)
    return Promise.all(ownerIds.map((o) => leaseAddress(q, network, o)));
  const first = ipv4ToInt(network.start_ip);
  const last = ipv4ToInt(network.end_ip);
  const key = await cursorOf(q, network, first, last);
  const rows = ownerIds.map((owner_id) => ({
    network_id: network.id,
    address: takeCandidate(key, first, last),
    owner_id,
  }));
  const got = await q
    .insertInto('ip_leases')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returning(['owner_id', 'address'])
    .execute();
  const leased = new Map(got.map((r) => [r.owner_id, intToIpv4(Number(r.address))]));
  const out: string[] = [];
  for (const o of ownerIds) out.push(leased.get(o) ?? (await leaseNext(q, network, o, first, last)));
  return out;
}

/** Leases the address after the last one this process leased (after the highest leased, at first), else the lowest free one. */
async function leaseNext(q: Q, network: NetworkRow, ownerId: string, first: number, last: number): Promise<string> {
  const key = await cursorOf(q, network, first, last);
  for (let tries = 0; tries < PROBES; tries++) {
    const candidate = takeCandidate(key, first, last);
    if (await tryLease(q, network.id, candidate, ownerId)) return intToIpv4(candidate);
  }
  for (let tries = 0; tries < 3; tries++) {
    const free = await lowestFree(q, network.id, first, last);
    if (free === null) break;
    if (await tryLease(q, network.id, free, ownerId)) {
      cursors.set(key, free + 1);
      return intToIpv4(free);
    }
  }
  throw quotaExceeded(`No free IP address left in network ${network.name}`, 'exhausted');
}

/** Inserts the lease unless the address is taken (on PostgreSQL, after the transaction holding it ends). */
async function tryLease(q: Q, networkId: string, address: number, ownerId: string): Promise<boolean> {
  const row = await q
    .insertInto('ip_leases')
    .values({ network_id: networkId, address, owner_id: ownerId })
    .onConflict((oc) => oc.doNothing())
    .returning('address')
    .executeTakeFirst();
  return row !== undefined;
}

/** The lowest address of first..last no lease holds, or null when all are taken. */
async function lowestFree(q: Q, networkId: string, first: number, last: number): Promise<number | null> {
  const firstTaken = await q
    .selectFrom('ip_leases')
    .select('address')
    .where('network_id', '=', networkId)
    .where('address', '=', first)
    .executeTakeFirst();
  if (!firstTaken) return first;
  const gap = await q
    .selectFrom('ip_leases as l')
    .select((eb) => eb.fn.min(eb('l.address', '+', 1)).as('free'))
    .where('l.network_id', '=', networkId)
    .where('l.address', '>=', first)
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
  const free = gap?.free == null ? null : Number(gap.free);
  return free === null || free > last ? null : free;
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
