/**
 * The store's master key check: a process whose key is not the one the store's secrets are encrypted under refuses to
 * start (or to run a CLI command) instead of failing every authentication and writing secrets nobody can read.
 */
import type { Store } from '../../store/db.js';
import { readSetting, SETTINGS, writeSettingOnce } from '../../store/settings.js';
import type { MasterKey } from './secrets.js';
import { sealPlainVncPasswords, VNC_SEALED_KEY } from '../vms/extras.js';

/** The process's master key is not the store's; the one-line message names the setting to fix. */
class MasterKeyMismatchError extends Error {}

/** Where the start-up step reports what it did (a pino logger fits). */
export interface InfoLog {
  info(obj: object, msg: string): void;
}

/**
 * Checks the key against the store's check value, then encrypts secrets older versions stored in plain text. A store
 * without a check value (new, or made before check values existed) adopts the key when it holds no secrets yet or when
 * the key decrypts the secrets it holds, and refuses it otherwise.
 */
export async function checkMasterKey(store: Store, key: MasterKey, storeName: string, log: InfoLog): Promise<void> {
  const outcome = await matchKey(store, key, storeName);
  if (outcome === 'adopted')
    log.info({ store: storeName }, 'the store adopted the master key (its check value is stored now)');
  const sealed = await sealPlainVncPasswords(store, key);
  if (sealed) log.info({ vms: sealed }, 'console passwords stored in plain text were encrypted under the master key');
}

async function matchKey(store: Store, key: MasterKey, storeName: string): Promise<'matched' | 'adopted'> {
  const refuse = (why: string) => {
    key.discardCreatedFile();
    return new MasterKeyMismatchError(`The master key does not fit the ${storeName} (${why}): fix ${key.setting()}`);
  };
  const stored = await readSetting(store.db, SETTINGS.keyCheck);
  if (stored !== undefined) {
    if (key.matches(stored)) return 'matched';
    throw refuse('the store was set up with another key');
  }
  for (const sample of await sampleSecrets(store)) {
    try {
      key.decrypt(sample);
    } catch {
      throw refuse('it cannot decrypt the secrets already stored');
    }
  }
  if (!key.matches(await writeSettingOnce(store.db, SETTINGS.keyCheck, key.checkValue()))) {
    throw refuse('another process set the store up with another key meanwhile');
  }
  return 'adopted';
}

/** One encrypted value of each kind the store holds, if any. */
async function sampleSecrets(store: Store): Promise<string[]> {
  const db = store.db;
  const cred = await db
    .selectFrom('credentials')
    .select('secret_enc')
    .where('secret_enc', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  const vm = await db
    .selectFrom('vms')
    .select('password_enc')
    .where('password_enc', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  const extras = await db
    .selectFrom('vm_extras')
    .select('attrs')
    .where('attrs', 'like', `%"${VNC_SEALED_KEY}"%`)
    .limit(1)
    .executeTakeFirst();
  const vnc = extras ? (JSON.parse(extras.attrs) as Record<string, unknown>)[VNC_SEALED_KEY] : undefined;
  return [cred?.secret_enc, vm?.password_enc, typeof vnc === 'string' ? vnc : undefined].filter(
    (v): v is string => !!v,
  );
}
