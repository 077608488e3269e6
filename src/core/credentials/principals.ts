/** Resolves a credential's owner ids to a principal, refusing disabled users and accounts (every issuer's last step). */
import type { Q } from '../../store/db.js';
import type { Principal } from '../accounts/principal.js';

/** The enabled account and user behind a credential, or undefined when either is missing or disabled. */
export async function enabledPrincipal(q: Q, accountId: string, userId: string): Promise<Principal | undefined> {
  const account = await q.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  const user = await q.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!account || !user || account.state !== 'enabled' || user.state !== 'enabled') return undefined;
  return { account, user };
}
