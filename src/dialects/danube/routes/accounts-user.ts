/** /accounts/user/: the users a caller manages (SuperAdmin: all; an account's owner: the account's), and API keys. */
import { apiError, ok } from '../answers.js';
import { flag, readParams, sortBy, type FieldSpec } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { userView, withFields } from './accounts-fields.js';

/** The fields POST and PUT take (POST requires the starred ones of Danube: names, email, password). */
function userSpec(create: boolean) {
  const req = create;
  return {
    first_name: { type: 'str', required: req, maxLength: 30 },
    last_name: { type: 'str', required: req, maxLength: 30 },
    email: { type: 'str', required: req, maxLength: 254 },
    password: { type: 'str', required: req, maxLength: 1024 },
    is_active: { type: 'bool', default: create ? true : undefined },
    api_access: { type: 'bool', default: create ? false : undefined },
    is_super_admin: { type: 'bool' },
    api_key: { type: 'bool' },
    callback_key: { type: 'bool' },
    groups: { type: 'list' },
    dc_bound: { type: 'bool' },
    dc: { type: 'str' },
  } satisfies Record<string, FieldSpec>;
}

/** Refuses key calls made with an API key: keys are shown and changed only in a login session. */
function requireToken(q: DanubeRequest): void {
  if (q.authVia === 'api_key') throw apiError(403, 'You do not have permission to perform this action.');
}

/** Registers the user routes. */
export function accountUserRoutes(r: DanubeRouter): void {
  r.get(
    '/accounts/user/',
    async (q) => {
      const users = await q.core.users.list(q.ctx, { active: flag(q, 'active', true) });
      const views = sortBy(q, users.map(userView), ['username', 'created'], 'username');
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.username));
    },
    'The users you manage (SuperAdmin: every user; an account owner: the users of the account); active=false lists disabled ones.',
  );
  r.get(
    '/accounts/user/:username/',
    async (q) => ok(q, userView(await q.core.users.get(q.ctx, q.params.username!))),
    'One user: yourself, or a user you manage.',
  );
  r.post(
    '/accounts/user/:username/',
    async (q) => {
      const p = readParams(q, userSpec(true));
      const made = await withFields(q, () =>
        q.core.users.create(q.ctx, {
          username: q.params.username!,
          email: p.email!,
          password: p.password!,
          firstName: p.first_name!,
          lastName: p.last_name!,
          active: p.is_active,
          apiAccess: p.api_access,
          superAdmin: p.is_super_admin,
          apiKey: p.api_key,
          callbackKey: p.callback_key,
        }),
      );
      return ok(q, userView(made.user), { status: 201, taskId: made.receipt.taskId });
    },
    "Creates a user in your account: first_name, last_name, email and password are required; api_access=false, is_active=true; api_key/callback_key=true generate the user's keys.",
  );
  r.put(
    '/accounts/user/:username/',
    async (q) => {
      const p = readParams(q, userSpec(false));
      const username = q.params.username!;
      if (p.api_key || p.callback_key) requireToken(q);
      const changed = await withFields(q, () =>
        q.core.users.update(q.ctx, username, {
          email: p.email,
          password: p.password,
          firstName: p.first_name,
          lastName: p.last_name,
          active: p.is_active,
          apiAccess: p.api_access,
          superAdmin: p.is_super_admin,
        }),
      );
      if (p.api_key || p.callback_key)
        await q.core.users.regenerateKeys(q.ctx, username, { apiKey: p.api_key, callbackKey: p.callback_key });
      return ok(q, userView(changed.user), { taskId: changed.receipt.taskId });
    },
    'Changes a user: names, email, password; is_active and api_access (for users you manage, not yourself).',
  );
  r.delete(
    '/accounts/user/:username/',
    async (q) => {
      const receipt = await q.core.users.delete(q.ctx, q.params.username!);
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Deletes a user you manage and their credentials (not yourself, not an account owner).',
  );
  r.get(
    '/accounts/user/:username/apikeys/',
    async (q) => {
      requireToken(q);
      const keys = await q.core.users.apiKeys(q.ctx, q.params.username!);
      return ok(q, { api_key: keys.apiKey, callback_key: keys.callbackKey });
    },
    "The user's API key and callback key (only in a login session, not over ES-API-KEY).",
  );
  r.put(
    '/accounts/user/:username/apikeys/',
    async (q) => {
      requireToken(q);
      const p = readParams(q, { api_key: { type: 'bool' }, callback_key: { type: 'bool' } });
      const keys = await q.core.users.regenerateKeys(q.ctx, q.params.username!, {
        apiKey: p.api_key,
        callbackKey: p.callback_key,
      });
      return ok(q, { api_key: keys.apiKey, callback_key: keys.callbackKey }, { status: 201 });
    },
    'Regenerates the API key (api_key=true) and/or the callback key (callback_key=true); the old ones stop working.',
  );
}
