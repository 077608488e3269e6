/**
 * /accounts/permission/ and /accounts/group/, read-only: Nube has two fixed roles, SuperAdmin (the admin account's users)
 * and account owner (manages the account's users), shown as one group each; changing groups is not supported (501).
 */
import type { UserView } from '../../../core/accounts/users.js';
import { apiError, ok, requireSuperAdmin } from '../answers.js';
import { flag, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';

/** Nube's permissions in Danube's names. */
const PERMISSIONS = [
  { name: 'super_admin', alias: 'SuperAdmin' },
  { name: 'user_admin', alias: 'UserAdmin' },
];

/** Nube's roles as groups: who is in each and what it permits. */
const GROUPS = [
  { name: 'superadmin', alias: 'SuperAdmin', permissions: ['super_admin'], member: (u: UserView) => u.superAdmin },
  { name: 'owner', alias: 'Account owner', permissions: ['user_admin'], member: (u: UserView) => u.owner },
];

/** The groups with their members among the users the caller manages. */
async function groups(q: DanubeRequest) {
  const users = await q.core.users.list(q.ctx);
  return GROUPS.map((g) => ({
    name: g.name,
    alias: g.alias,
    access: 1,
    owner: 'admin',
    desc: '',
    permissions: g.permissions,
    users: users.filter(g.member).map((u) => u.username),
    dc_bound: false,
    created: null,
  }));
}

/** Answers a change of groups: Nube's roles are fixed. */
async function unsupported(): Promise<never> {
  throw apiError(501, 'Operation not supported');
}

/** Registers the permission and group routes. */
export function accountGroupRoutes(r: DanubeRouter): void {
  r.get(
    '/accounts/permission/',
    async (q) => {
      requireSuperAdmin(q);
      const views = sortBy(q, PERMISSIONS, ['name'], 'name');
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((p) => p.name));
    },
    "Nube's permissions: super_admin and user_admin (SuperAdmin only).",
  );
  r.get(
    '/accounts/permission/:name/',
    async (q) => {
      requireSuperAdmin(q);
      const p = PERMISSIONS.find((x) => x.name === q.params.name);
      if (!p) throw apiError(404, 'Permission not found');
      return ok(q, p);
    },
    'One permission.',
  );
  r.get(
    '/accounts/group/',
    async (q) => {
      requireSuperAdmin(q);
      const views = sortBy(q, await groups(q), ['name', 'created'], 'name');
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((g) => g.name));
    },
    'The groups: superadmin and owner, fixed (SuperAdmin only).',
  );
  r.get(
    '/accounts/group/:name/',
    async (q) => {
      requireSuperAdmin(q);
      const g = (await groups(q)).find((x) => x.name === q.params.name);
      if (!g) throw apiError(404, 'Group not found');
      return ok(q, g);
    },
    'One group with its users and permissions.',
  );
  r.post('/accounts/group/:name/', unsupported, 'Not supported: the groups are fixed.');
  r.put('/accounts/group/:name/', unsupported, 'Not supported: the groups are fixed.');
  r.delete('/accounts/group/:name/', unsupported, 'Not supported: the groups are fixed.');
}
