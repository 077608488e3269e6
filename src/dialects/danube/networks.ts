/** Danube names of the core networks a caller sees: unique across DCs, and the lookup of one by name or id. */
import type { NetworkView } from '../../core/networks/service.js';
import { apiError } from './answers.js';
import type { DanubeRequest } from './request.js';

/** A network with the unique name Danube shows for it. */
export interface Named {
  name: string;
  net: NetworkView;
}

/**
 * Every network the caller sees, each with a unique Danube name: its core name, or when several share it
 * `<name>-<zone>`, or when that is still shared `<name>-<first 8 characters of its id>`.
 */
export async function namedNetworks(q: DanubeRequest): Promise<Named[]> {
  const all = (await q.core.networks.list(q.ctx)).items;
  const count = (names: string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const plain = count(all.map((n) => n.name));
  const zoned = count(all.map((n) => `${n.name}-${n.zoneName}`));
  return all.map((net) => {
    if (plain.get(net.name) === 1) return { name: net.name, net };
    const z = `${net.name}-${net.zoneName}`;
    return { name: zoned.get(z) === 1 ? z : `${net.name}-${net.id.slice(0, 8)}`, net };
  });
}

/** The networks of the DC in force. */
export async function dcNetworks(q: DanubeRequest): Promise<Named[]> {
  return (await namedNetworks(q)).filter((n) => !q.dc.zoneId || n.net.zoneId === q.dc.zoneId);
}

/** The network named (or with the id) :name, or 404 `Network not found`. */
export async function networkOf(q: DanubeRequest): Promise<Named> {
  const name = q.params.name ?? '';
  const found = (await dcNetworks(q)).find((n) => n.name === name || n.net.id === name);
  if (!found) throw apiError(404, 'Network not found');
  return found;
}
