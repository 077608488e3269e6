/** The rows of the key-shaped credentials (an id, a public part, a stored secret): revoking one and listing an account's, shared by their issuers. */
import type { Q } from '../../store/db.js';
import { notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import type { CredentialRow } from '../../store/schema.js';

/** One stored credential of an account as its issuer lists it (never its secret). */
export interface CredentialListRow {
  id: string;
  publicKey: string;
  name: string;
  created: string;
  revoked: string | null;
  clientApi: boolean;
  username: string;
}

/** Marks the live credential of this row kind named by its public part or id revoked; NotFound (named `what`) when there is none. */
export async function revokeRow(q: Q, rowKind: string, publicOrId: string, what: string): Promise<void> {
  const r = await q
    .updateTable('credentials')
    .set({ revoked_at: nowIso() })
    .where('kind', '=', rowKind)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('public_key', '=', publicOrId), eb('id', '=', publicOrId)]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw notFound(what, publicOrId, 'object');
}

/** The account's credentials of this row kind, oldest first, with their users' names. */
export async function listRows(q: Q, rowKind: string, accountId: string): Promise<CredentialListRow[]> {
  const rows = await q
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select([
      'credentials.id',
      'credentials.public_key',
      'credentials.name',
      'credentials.created_at',
      'credentials.revoked_at',
      'credentials.client_api',
      'users.username',
    ])
    .where('credentials.account_id', '=', accountId)
    .where('credentials.kind', '=', rowKind)
    .orderBy('credentials.created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    publicKey: r.public_key,
    name: r.name,
    created: r.created_at,
    revoked: r.revoked_at,
    clientApi: Number(r.client_api ?? 1) === 1,
    username: r.username,
  }));
}

/** Stores a new live credential of this row kind for its owner (what it keeps of the secret: encrypted or hashed). */
export async function insertRow(
  q: Q,
  row: Pick<CredentialRow, 'id' | 'kind' | 'name' | 'public_key' | 'secret_enc' | 'secret_hash' | 'client_api'>,
  owner: { accountId: string; userId: string },
): Promise<void> {
  await q
    .insertInto('credentials')
    .values({ ...row, account_id: owner.accountId, user_id: owner.userId, created_at: nowIso(), revoked_at: null })
    .execute();
}
