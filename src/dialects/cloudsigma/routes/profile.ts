/** Profile info and set (seed section 6): the calling user's email and names. */
import type { UserRow } from '../../../core/accounts/service.js';
import type { SigmaRouter } from '../router.js';
import { encodeRecord } from '../../../lib/sigma-text.js';
import { invalid } from '../../../lib/errors.js';

/** Registers /profile/info and /profile/set. */
export function profileRoutes(r: SigmaRouter): void {
  r.route('read', ['/profile/info'], async (c) => ({ text: profileText(c.principal.user) }));
  r.route('body', ['/profile/set'], async (c) => {
    const rec = c.record();
    for (const k of ['email', 'first_name', 'last_name'] as const) {
      if (k in rec && rec[k] === '') throw invalid('* This field is required.', k);
    }
    const user = await c.core.accounts.updateProfile(c.principal.user.id, {
      email: rec.email,
      firstName: rec.first_name,
      lastName: rec.last_name,
    });
    c.principal.user = user;
    return { text: profileText(user) };
  });
}

function profileText(u: UserRow): string {
  return encodeRecord({
    uuid: u.id,
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    nick_name: u.username,
  });
}
