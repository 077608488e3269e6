/** Shared by the /accounts/ routes: core field names in Danube's spelling, and the user as Danube shows it. */
import type { UserView } from '../../../core/accounts/users.js';
import { CoreError } from '../../../lib/errors.js';
import { failure } from '../answers.js';
import type { DanubeRequest } from '../request.js';

/** Core (and column) field names of users and SSH keys as the /accounts/ parameters call them. */
const ACCOUNT_FIELDS: Readonly<Record<string, string>> = {
  firstName: 'first_name',
  lastName: 'last_name',
  superAdmin: 'is_super_admin',
  apiAccess: 'api_access',
  active: 'is_active',
  name: 'title',
  publicKey: 'key',
};

/** Runs a core call; an Invalid error becomes a FAILURE envelope with the /accounts/ field names. */
export async function withFields<T>(q: DanubeRequest, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof CoreError) || err.kind !== 'Invalid' || Object.keys(err.fields).length === 0) throw err;
    const out: Record<string, string[]> = {};
    for (const [f, msgs] of Object.entries(err.fields)) out[ACCOUNT_FIELDS[f] ?? f] = msgs;
    throw failure(q, out);
  }
}

/** The read-only groups a user is in: SuperAdmins (the admin account's users) and account owners. */
function groupsOf(u: Pick<UserView, 'superAdmin' | 'owner'>): string[] {
  return [...(u.superAdmin ? ['superadmin'] : []), ...(u.owner ? ['owner'] : [])];
}

/** A user as Danube shows it (never a key or password). */
export function userView(u: UserView) {
  return {
    username: u.username,
    current_dc: 'main',
    email: u.email,
    first_name: u.firstName,
    last_name: u.lastName,
    is_super_admin: u.superAdmin,
    is_active: u.active,
    api_access: u.apiAccess,
    groups: groupsOf(u),
    created: u.created,
    dc_bound: false,
  };
}
