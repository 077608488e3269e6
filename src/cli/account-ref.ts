/** Finds the account an operator names on the command line, by name or by id. */
import { CoreError } from '../lib/errors.js';
import type { Core } from '../core/core.js';
import type { AccountRow } from '../store/schema.js';

/** An account by name, else by id (NotFound as for the name, so the message names what was typed). */
export async function accountOf(accounts: Core['accounts'], ref: string): Promise<AccountRow> {
  try {
    return await accounts.accountByName(ref);
  } catch (err) {
    if (!(err instanceof CoreError) || err.kind !== 'NotFound') throw err;
    return accounts.accountById(ref).catch(() => {
      throw err;
    });
  }
}
