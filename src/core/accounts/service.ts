/** Accounts, users and API credentials: creation, lookup for authentication, key-pair management. */
import type { Store } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { AccountRow, CredentialRow, UserRow } from '../../store/schema.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso, randomToken } from '../../lib/util.js';
import { createDefaultSecurityGroup } from '../firewalls/defaults.js';
import { MasterKey, hashPassword, verifyPassword } from './secrets.js';
import { insertCvmPair } from './cvm-tokens.js';
import type { AuthThrottle } from './throttle.js';
import type { Principal } from './principal.js';

/** The user row this service returns, for dialects to render (they never import the store). */
export type { UserRow };

/** A new account's login and its first CloudStack key pair, shown once. */
export interface CreatedAccount {
  account: AccountRow;
  user: UserRow;
  password: string;
  cloudstack: { key: string; secret: string };
  /** The account's first CVM token pair (the private token shown once). */
  cvm: { public: string; private: string };
}

/** A CloudStack key pair as listed: never with its secret. */
export interface KeyPairInfo { id: string; account: string; user: string; key: string; name: string; created: string; revoked: string | null }

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** Verified against when an API key is unknown, so that unknown and known keys take the same work. */
const NO_SUCH_KEY_SECRET = randomToken(30);

/** The throttle key of a password login (every dialect that takes passwords shares it: one password, one budget). */
function passwordLogin(login: string): string { return `password:${login}`; }

/** Creates and authenticates accounts, users and credentials. */
export class AccountService {
  private secretCache = new Map<string, { principal: Principal; secret: string; at: number }>();

  constructor(private readonly store: Store, private readonly secrets: MasterKey, private readonly throttle: AuthThrottle) {}

  /** Creates an account with one user (password generated unless given), a default security group and a CloudStack key pair. */
  async createAccount(name: string, opts: { email?: string; password?: string; admin?: boolean } = {}): Promise<CreatedAccount> {
    if (!ACCOUNT_NAME.test(name)) throw invalid('Account names are 1-63 letters, digits, ".", "_" or "-"', 'name');
    const email = opts.email ?? `${name.toLowerCase()}@nube.local`;
    const password = opts.password ?? randomToken(18);
    const hash = await hashPassword(password);
    const key = randomToken(30);
    const secret = randomToken(30);
    const now = nowIso();
    const account: AccountRow = { id: newId(), name, email, type: opts.admin ? 'admin' : 'user', state: 'enabled', created_at: now };
    const user: UserRow = {
      id: newId(), account_id: account.id, username: name, email, password_hash: hash, first_name: name, last_name: name,
      state: 'enabled', created_at: now,
    };
    let cvm = { public: '', private: '' };
    try {
      await this.store.tx(async (trx) => {
        await trx.insertInto('accounts').values(account).execute();
        await trx.insertInto('users').values(user).execute();
        await trx.insertInto('credentials').values({
          id: newId(), account_id: account.id, user_id: user.id, kind: 'cloudstack', name: 'default', public_key: key,
          secret_enc: this.secrets.encrypt(secret), secret_hash: null, created_at: now, revoked_at: null,
        }).execute();
        await createDefaultSecurityGroup(trx, account.id);
        const pair = await insertCvmPair(trx, account.id, user.id);
        cvm = { public: pair.public, private: pair.private };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`An account or user named ${name} (${email}) already exists`, 'exists');
      throw err;
    }
    return { account, user, password, cloudstack: { key, secret }, cvm };
  }

  /** An account by name, or NotFound. */
  async accountByName(name: string): Promise<AccountRow> {
    const a = await this.store.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    if (!a) throw notFound('account', name, 'object');
    return a;
  }

  /** An account by id, or NotFound. */
  async accountById(id: string): Promise<AccountRow> {
    const a = await this.store.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!a) throw notFound('account', id, 'object');
    return a;
  }

  /** All accounts, by name. */
  async listAccounts(): Promise<AccountRow[]> {
    return this.store.db.selectFrom('accounts').selectAll().orderBy('name').execute();
  }

  /** Users of an account. */
  async listUsers(accountId: string): Promise<UserRow[]> {
    return this.store.db.selectFrom('users').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
  }

  /** Adds a user to an account; the password is generated unless given and returned once. */
  async createUser(accountName: string, username: string, opts: { email?: string; password?: string } = {}): Promise<{ user: UserRow; password: string }> {
    const account = await this.accountByName(accountName);
    if (!ACCOUNT_NAME.test(username)) throw invalid('User names are 1-63 letters, digits, ".", "_" or "-"', 'username');
    const password = opts.password ?? randomToken(18);
    const user: UserRow = {
      id: newId(), account_id: account.id, username, email: opts.email ?? `${username.toLowerCase()}@nube.local`,
      password_hash: await hashPassword(password), first_name: username, last_name: username, state: 'enabled', created_at: nowIso(),
    };
    try {
      await this.store.db.insertInto('users').values(user).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A user named ${username} (${user.email}) already exists`, 'exists');
      throw err;
    }
    return { user, password };
  }

  /**
   * Checks an email (or username) and password presented from source (the client's address); undefined when they do
   * not match. Every call costs one scrypt, whether the login exists, is disabled or not, so timing tells nothing about
   * existence. RateLimited (with retryAfterSec) while the source or login is locked by the failure throttle, or when the
   * hashing queue is full.
   */
  async checkPassword(login: string, password: string, source: string): Promise<Principal | undefined> {
    return this.throttle.attempt(source, passwordLogin(login), async () => {
      const user = await this.store.db.selectFrom('users').selectAll()
        .where((eb) => eb.or([eb('email', '=', login), eb('username', '=', login)])).executeTakeFirst();
      const matches = await verifyPassword(password, user?.password_hash);
      if (!user || !matches || user.state !== 'enabled') return undefined;
      const account = await this.store.db.selectFrom('accounts').selectAll().where('id', '=', user.account_id).executeTakeFirst();
      if (!account || account.state !== 'enabled') return undefined;
      return { account, user };
    });
  }

  /**
   * The principal of a login whose password was verified earlier (a dialect's cache of successful checks), while its user
   * keeps that login and password hash and user and account stay enabled; undefined otherwise (the caller then checks
   * the password). Locks of the failure throttle apply as to checkPassword.
   */
  async recheckLogin(login: string, userId: string, passwordHash: string, source: string): Promise<Principal | undefined> {
    this.throttle.check(source, passwordLogin(login));
    const user = await this.store.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user || user.state !== 'enabled' || user.password_hash !== passwordHash || (user.email !== login && user.username !== login)) return undefined;
    const account = await this.store.db.selectFrom('accounts').selectAll().where('id', '=', user.account_id).executeTakeFirst();
    if (!account || account.state !== 'enabled') return undefined;
    this.throttle.succeeded(source, passwordLogin(login));
    return { account, user };
  }

  /** Changes the calling user's email and names (the seed's profile): email must look valid and stay unique. */
  async updateProfile(userId: string, p: { email?: string; firstName?: string; lastName?: string }): Promise<UserRow> {
    const set: Partial<UserRow> = {};
    if (p.email !== undefined) {
      if (!/^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,63}$/.test(p.email)) throw invalid('Enter a valid e-mail address.', 'email');
      set.email = p.email;
    }
    for (const [k, col] of [['firstName', 'first_name'], ['lastName', 'last_name']] as const) {
      const v = p[k];
      if (v === undefined) continue;
      if (v.trim() === '' || v.length > 100) throw invalid('This field is required (1 to 100 characters).', col);
      set[col] = v.trim();
    }
    if (Object.keys(set).length) {
      try {
        await this.store.db.updateTable('users').set(set).where('id', '=', userId).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`The e-mail address ${p.email} is already used`, 'exists');
        throw err;
      }
    }
    const user = await this.store.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('user', userId, 'object');
    return user;
  }

  /** Creates another CloudStack key pair for a user of the account (the first user when none is named). */
  async createKeyPair(accountName: string, opts: { name?: string; username?: string } = {}): Promise<{ id: string; key: string; secret: string }> {
    const account = await this.accountByName(accountName);
    let uq = this.store.db.selectFrom('users').selectAll().where('account_id', '=', account.id);
    if (opts.username) uq = uq.where('username', '=', opts.username);
    const user = await uq.orderBy('created_at').executeTakeFirst();
    if (!user) throw notFound('user', opts.username ?? '(none)', 'object');
    const key = randomToken(30);
    const secret = randomToken(30);
    const id = newId();
    await this.store.db.insertInto('credentials').values({
      id, account_id: account.id, user_id: user.id, kind: 'cloudstack', name: opts.name ?? 'key', public_key: key,
      secret_enc: this.secrets.encrypt(secret), secret_hash: null, created_at: nowIso(), revoked_at: null,
    }).execute();
    return { id, key, secret };
  }

  /** CloudStack key pairs of an account, without secrets. */
  async listKeyPairs(accountName: string): Promise<KeyPairInfo[]> {
    const account = await this.accountByName(accountName);
    const rows = await this.store.db.selectFrom('credentials').innerJoin('users', 'users.id', 'credentials.user_id')
      .select(['credentials.id', 'credentials.public_key', 'credentials.name', 'credentials.created_at', 'credentials.revoked_at', 'users.username'])
      .where('credentials.account_id', '=', account.id).where('credentials.kind', '=', 'cloudstack').orderBy('credentials.created_at').execute();
    return rows.map((r) => ({ id: r.id, account: account.name, user: r.username, key: r.public_key, name: r.name, created: r.created_at, revoked: r.revoked_at }));
  }

  /** Revokes a key pair by its API key or id; later requests signed with it are refused. */
  async revokeKeyPair(keyOrId: string): Promise<void> {
    const r = await this.store.db.updateTable('credentials').set({ revoked_at: nowIso() })
      .where('kind', '=', 'cloudstack').where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('public_key', '=', keyOrId), eb('id', '=', keyOrId)])).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound('key pair', keyOrId, 'object');
    this.secretCache.clear();
  }

  /**
   * The principal of a CloudStack request from source whose signature `verify` checks with the key's secret; undefined
   * for an unknown, revoked or disabled key or a wrong signature (an unknown key is verified against a throw-away
   * secret, so both take the same work). RateLimited while the source or the key is locked by the failure throttle.
   */
  async cloudStackAuth(apiKey: string, source: string, verify: (secret: string) => boolean): Promise<Principal | undefined> {
    return this.throttle.attempt(source, `cloudstack:${apiKey}`, async () => {
      const found = await this.cloudStackSecret(apiKey);
      const ok = verify(found?.secret ?? NO_SUCH_KEY_SECRET);
      return found && ok ? found.principal : undefined;
    });
  }

  /** Resolves a CloudStack API key to its principal and decrypted secret (cached for two seconds). */
  private async cloudStackSecret(apiKey: string): Promise<{ principal: Principal; secret: string } | undefined> {
    const hit = this.secretCache.get(apiKey);
    if (hit && Date.now() - hit.at < 2000) return hit;
    const cred: CredentialRow | undefined = await this.store.db.selectFrom('credentials').selectAll()
      .where('kind', '=', 'cloudstack').where('public_key', '=', apiKey).executeTakeFirst();
    if (!cred || cred.revoked_at || !cred.secret_enc) return undefined;
    const account = await this.store.db.selectFrom('accounts').selectAll().where('id', '=', cred.account_id).executeTakeFirst();
    const user = await this.store.db.selectFrom('users').selectAll().where('id', '=', cred.user_id).executeTakeFirst();
    if (!account || !user || account.state !== 'enabled' || user.state !== 'enabled') return undefined;
    const entry = { principal: { account, user }, secret: this.secrets.decrypt(cred.secret_enc), at: Date.now() };
    if (this.secretCache.size > 10000) this.secretCache.clear();
    this.secretCache.set(apiKey, entry);
    return entry;
  }
}
