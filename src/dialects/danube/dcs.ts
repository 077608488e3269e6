/** Virtual datacenters over Nube's zones: `main` (number 1) spans every zone; every zone is also a DC of its own name. */
import type { Core } from '../../core/core.js';
import { apiError } from './answers.js';
import type { DanubeDc } from './request.js';

/** The default DC every user is in unless a request names another. */
export const MAIN_DC: DanubeDc = { name: 'main', number: 1, zoneId: null };

/** Every DC: main first, then one per zone (numbered 2, 3, ... in zone order). */
export async function listDcs(core: Core): Promise<Array<DanubeDc & { description: string }>> {
  const zones = await core.catalog.listZones();
  return [
    { ...MAIN_DC, description: 'Default datacenter: every zone' },
    ...zones.map((z, i) => ({ name: z.name, number: i + 2, zoneId: z.id, description: z.description })),
  ];
}

/** The DC named by a request, or main when none is named; 404 `Datacenter not found` for an unknown name. */
export async function resolveDc(core: Core, name: unknown): Promise<DanubeDc> {
  if (name === undefined || name === null || name === '' || name === 'main') return MAIN_DC;
  const found = (await listDcs(core)).find((d) => d.name === String(name));
  if (!found) throw apiError(404, 'Datacenter not found');
  return { name: found.name, number: found.number, zoneId: found.zoneId };
}
