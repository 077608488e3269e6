/** /accounts/ (besides login and logout): users, profiles, API keys, SSH keys, and the read-only permissions and groups. */
import type { DanubeRouter } from '../router.js';
import { accountProfileRoutes } from './accounts-profile.js';
import { accountUserRoutes } from './accounts-user.js';
import { accountSshKeyRoutes } from './accounts-sshkey.js';
import { accountGroupRoutes } from './accounts-group.js';

/** Registers every /accounts/ route of this module (the profile routes first: /accounts/user/profile/ is no username). */
export function accountRoutes(r: DanubeRouter): void {
  accountProfileRoutes(r);
  accountUserRoutes(r);
  accountSshKeyRoutes(r);
  accountGroupRoutes(r);
}
