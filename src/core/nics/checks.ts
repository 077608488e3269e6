/** Checks shared by the NIC operations: a VM at rest, a wanted address free and in range, networks that lease addresses. */
import type { Q } from '../../store/db.js';
import type { NetworkRow } from '../../store/schema.js';
import { conflict, invalid } from '../../lib/errors.js';
import { ipv4ToInt } from '../net/ip.js';

const BUSY = ['creating', 'starting', 'stopping', 'rebooting', 'restoring', 'destroying'];

/** Throws Conflict unless the VM is at rest (running or stopped) and no other task holds it. */
export async function checkIdle(q: Q, vm: { id: string; state: string }, verb: string): Promise<void> {
  if (BUSY.includes(vm.state))
    throw conflict(
      `The virtual machine is busy (${vm.state}); try again when the current operation has finished`,
      'busy',
    );
  if (vm.state !== 'running' && vm.state !== 'stopped')
    throw conflict(`Cannot ${verb} a virtual machine that is ${vm.state}`, 'wrong_state');
  const busy = await q
    .selectFrom('tasks')
    .select('id')
    .where('object_id', '=', vm.id)
    .where('exclusive', '=', 1)
    .where('status', 'in', ['PENDING', 'STARTED'])
    .executeTakeFirst();
  if (busy)
    throw conflict('The virtual machine is busy with another operation; try again when it has finished', 'busy');
}

/** Checks that a wanted address lies in the network's range and is free, with Invalid errors on ipAddress. */
export async function checkWanted(q: Q, network: NetworkRow, address: string): Promise<void> {
  const n = ipv4ToInt(address, 'ipAddress');
  if (!network.start_ip || !network.end_ip || n < ipv4ToInt(network.start_ip) || n > ipv4ToInt(network.end_ip)) {
    throw invalid(
      `IP address ${address} is not in the range ${network.start_ip ?? '-'}-${network.end_ip ?? '-'} of network ${network.name}`,
      'ipAddress',
    );
  }
  const taken = await q
    .selectFrom('ip_leases')
    .select('owner_id')
    .where('network_id', '=', network.id)
    .where('address', '=', n)
    .executeTakeFirst();
  if (taken) throw invalid(`IP address ${address} is already in use in network ${network.name}`, 'ipAddress');
}

/** Whether NICs on this network get their address from its range (the zone's shared network and managed private ones). */
export const leases = (n: NetworkRow): boolean => n.type === 'Shared' || n.managed === 1;
