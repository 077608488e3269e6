/** /accounts/user/profile/ and /accounts/user/(username)/profile/: email and names in the user, the rest kept as profile extras. */
import type { UserView } from '../../../core/accounts/users.js';
import { failure, ok } from '../answers.js';
import { readParams, type FieldSpec } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { withFields } from './accounts-fields.js';

const text = (maxLength: number): FieldSpec => ({ type: 'str', maxLength });
const yes: FieldSpec = { type: 'bool' };

/** Danube's profile fields other than email and names, with how each is read. */
const EXTRAS: Record<string, FieldSpec> = {
  tos_acceptation: yes,
  email_verified: yes,
  email2: text(254),
  phone: text(32),
  phone_verified: yes,
  phone2: text(32),
  newsletter_tech: yes,
  newsletter_buss: yes,
  usertype: { type: 'int', min: 1, max: 9 },
  language: text(16),
  timezone: text(64),
  currency: text(8),
  title: text(16),
  middle_name: text(32),
  website: text(255),
  jabber: text(255),
  street_1: text(255),
  street2_1: text(255),
  city: text(255),
  postcode: text(12),
  state: text(128),
  country: text(8),
  different_billing: yes,
  street_2: text(255),
  street2_2: text(255),
  city2: text(255),
  postcode2: text(12),
  state2: text(128),
  country2: text(8),
  company: text(255),
  companyid: text(64),
  taxid: text(64),
  vatid: text(64),
  bankid: text(255),
  alerting_email: text(255),
  alerting_phone: text(32),
  alerting_jabber: text(255),
};

/** What an extra shows before it is ever set (a user made through the API has verified email and phone). */
const DEFAULTS: Record<string, unknown> = {
  tos_acceptation: false,
  email_verified: true,
  phone_verified: true,
  newsletter_tech: false,
  newsletter_buss: false,
  different_billing: false,
  usertype: 1,
  language: 'en',
  timezone: 'UTC',
  currency: 'EUR',
  country: 'SK',
};

/** Only a SuperAdmin vouches for a verified email or phone. */
const STAFF_ONLY = ['email_verified', 'phone_verified'];

/** A profile as Danube shows it. */
function profileView(u: UserView) {
  const extras = Object.fromEntries(
    Object.keys(EXTRAS).map((k) => [k, u.profile[k] ?? DEFAULTS[k] ?? (EXTRAS[k]!.type === 'bool' ? false : '')]),
  );
  return { username: u.username, email: u.email, first_name: u.firstName, last_name: u.lastName, ...extras };
}

/** Changes the named user's profile from the request. */
async function change(q: DanubeRequest, username: string) {
  const p: Record<string, unknown> = readParams(q, {
    email: text(254),
    first_name: text(30),
    last_name: text(30),
    ...EXTRAS,
  });
  const denied = STAFF_ONLY.filter((f) => p[f] !== undefined && !q.user.isSuperAdmin);
  if (denied.length > 0)
    throw failure(
      q,
      Object.fromEntries(denied.map((f) => [f, ["You don't have permission to modify this attribute."]])),
    );
  const profile = Object.fromEntries(Object.keys(EXTRAS).flatMap((k) => (p[k] === undefined ? [] : [[k, p[k]]])));
  const changed = await withFields(q, () =>
    q.core.users.update(q.ctx, username, {
      email: p.email as string | undefined,
      firstName: p.first_name as string | undefined,
      lastName: p.last_name as string | undefined,
      profile,
    }),
  );
  return ok(q, profileView(changed.user), { taskId: changed.receipt.taskId });
}

/** Registers the profile routes. */
export function accountProfileRoutes(r: DanubeRouter): void {
  r.get(
    '/accounts/user/profile/',
    async (q) => ok(q, profileView(await q.core.users.get(q.ctx, q.user.username))),
    'Your own profile.',
  );
  r.get(
    '/accounts/user/:username/profile/',
    async (q) => ok(q, profileView(await q.core.users.get(q.ctx, q.params.username!))),
    "A user's profile: yours, or of a user you manage.",
  );
  r.put(
    '/accounts/user/:username/profile/',
    async (q) => change(q, q.params.username!),
    'Changes a profile: email, first_name, last_name, phone, company, address, alerting_* and the other profile fields.',
  );
}
