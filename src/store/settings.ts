/** Store-wide settings (table `settings`): one text value per key, shared by every process on the store. */
import type { Q } from './db.js';

/** The keys Nube keeps: the master key check value, the compute driver `nube serve` last ran with, and when a seed was applied. */
export const SETTINGS = { keyCheck: 'master_key_check', driver: 'driver', seedApplied: 'seed_applied' } as const;

/** The value of a setting, or undefined when it was never written. */
export async function readSetting(q: Q, key: string): Promise<string | undefined> {
  return (await q.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/** Writes a setting, replacing its value. */
export async function writeSetting(q: Q, key: string, value: string): Promise<void> {
  await q
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Writes a setting unless it has a value already (another process may win the race) and returns the value that stands. */
export async function writeSettingOnce(q: Q, key: string, value: string): Promise<string> {
  await q
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await readSetting(q, key)) ?? value;
}

/** Removes a setting (a claim that did not complete, such as a seed that failed half-way). */
export async function deleteSetting(q: Q, key: string): Promise<void> {
  await q.deleteFrom('settings').where('key', '=', key).execute();
}
