/** The integer ids the REST API shows for SSH keys and snapshots: numbered aliases of the core's UUIDs. */
import type { Core } from '../../core/core.js';
import { notFound } from '../../lib/errors.js';

/** The alias scheme of REST integer ids. */
const SCHEME = 'rest';

/** The integer id of each object of a type (assigned on first sight). */
export function restNumbers(core: Core, objectType: string, ids: string[]): Promise<Map<string, number>> {
  return core.aliases.numbers(objectType, SCHEME, ids);
}

/** The core id behind an integer id; NotFound (as `what`) when none. */
export async function objectOfNumber(core: Core, objectType: string, n: number, what: string): Promise<string> {
  const id = await core.aliases.objectOf(objectType, SCHEME, n);
  if (!id) throw notFound(what, undefined, 'object');
  return id;
}
