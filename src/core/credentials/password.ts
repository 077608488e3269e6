/** Passwords: a user's email (or username) and password, stored as a scrypt hash; CloudSigma Basic auth and /admin sign in with them. */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/db.js';
import { notFound } from '../../lib/errors.js';
import { randomToken } from '../../lib/util.js';
import { hashPassword, verifyPassword } from '../accounts/secrets.js';
import type { Principal } from '../accounts/principal.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import type { IssueOptions, Issued, Issuer } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { LookupMemo } from './memo.js';
import type { UserRow } from '../../store/schema.js';

/** The kind of passwords. */
const KIND = 'password';

/** A new password, shown once. */
export interface NewPassword {
  password: string;
}

/** A login presented with its password. */
export interface PresentedLogin {
  login: string;
  password: string;
}

/** A user's password login as listed: never with its hash. */
export interface PasswordInfo {
  id: string;
  account: string;
  user: string;
  email: string;
  created: string;
}

/** The throttle key of a password login (every dialect that takes passwords shares it: one password, one budget). */
function throttleKey(login: string): string {
  return `${KIND}:${login}`;
}

/** Issues, verifies, revokes and lists users' passwords. */
export class PasswordIssuer implements Issuer<typeof KIND, NewPassword, PresentedLogin, Principal, PasswordInfo> {
  readonly kind = KIND;
  private readonly users: LookupMemo<{ user: UserRow; principal: Principal }>;

  constructor(
    private readonly store: Store,
    private readonly throttle: AuthThrottle,
  ) {
    this.users = new LookupMemo(store);
  }

  /** The chosen password (opts.password) or a generated one, hashed now; save sets it as the owner user's password. */
  async issue(opts: IssueOptions): Promise<Issued<NewPassword>> {
    const password = opts.password ?? randomToken(18);
    const hash = await hashPassword(password);
    return {
      shown: { password },
      save: async (q, owner) => {
        await q.updateTable('users').set({ password_hash: hash }).where('id', '=', owner.userId).execute();
      },
    };
  }

  /**
   * Checks an email (or username) and password presented from source (the client's address); undefined when they do
   * not match. Every call costs one scrypt, whether the login exists, is disabled or not, so timing tells nothing about
   * existence. RateLimited (with retryAfterSec) while the source or login is locked by the failure throttle, or when the
   * hashing queue is full.
   */
  async verify(p: PresentedLogin, source: string): Promise<Principal | undefined> {
    return this.throttle.attempt(source, throttleKey(p.login), async () => {
      const user = await this.store.db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('email', '=', p.login), eb('username', '=', p.login)]))
        .executeTakeFirst();
      const matches = await verifyPassword(p.password, user?.password_hash);
      if (!user || !matches) return undefined;
      return enabledPrincipal(this.store.db, user.account_id, user.id);
    });
  }

  /**
   * The principal of a login whose password was verified earlier (a dialect's cache of successful checks), while its user
   * keeps that login and password hash and user and account stay enabled; undefined otherwise (the caller then checks
   * the password). Locks of the failure throttle apply as to verify.
   */
  async recheck(login: string, userId: string, passwordHash: string, source: string): Promise<Principal | undefined> {
    this.throttle.check(source, throttleKey(login));
    const found = await this.users.get(userId, async () => {
      const user = await this.store.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      const principal = user && (await enabledPrincipal(this.store.db, user.account_id, user.id));
      return principal && { user: user!, principal };
    });
    return this.unchanged(found, login, passwordHash, source);
  }

  /**
   * recheck without waiting, for a request's synchronous fast path: the principal when the user's row is cached under
   * the identity version known now (read after since) and nothing locks the login; undefined means "use recheck", which
   * gives the authoritative answer (and the throttle's refusal).
   */
  recheckNow(
    login: string,
    userId: string,
    passwordHash: string,
    source: string,
    since?: number,
  ): Principal | undefined {
    if (!this.throttle.allows(source, throttleKey(login))) return undefined;
    return this.unchanged(this.users.peek(userId, since), login, passwordHash, source);
  }

  /** found's principal while its user keeps login and passwordHash (a success for the throttle), else undefined. */
  private unchanged(
    found: { user: UserRow; principal: Principal } | undefined,
    login: string,
    passwordHash: string,
    source: string,
  ): Principal | undefined {
    const user = found?.user;
    if (!user || user.password_hash !== passwordHash || (user.email !== login && user.username !== login))
      return undefined;
    this.throttle.succeeded(source, throttleKey(login));
    return found.principal;
  }

  /** Revokes a user's password (by user id): it gets a random hash no password matches. */
  async revoke(userId: string): Promise<void> {
    const unusable = `scrypt$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;
    const r = await this.store.db
      .updateTable('users')
      .set({ password_hash: unusable })
      .where('id', '=', userId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound('user', userId, 'object');
  }

  /** The account's users who sign in with a password, without hashes. */
  async list(account: { id: string; name: string }): Promise<PasswordInfo[]> {
    const rows = await this.store.db
      .selectFrom('users')
      .select(['id', 'username', 'email', 'created_at'])
      .where('account_id', '=', account.id)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      account: account.name,
      user: r.username,
      email: r.email,
      created: r.created_at,
    }));
  }
}
