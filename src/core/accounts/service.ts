/** Accounts and users: creation (with every default credential, through the credentials registry), lookup, profile. */
import type { Store } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { AccountRow, UserRow } from '../../store/schema.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { createDefaultSecurityGroup } from '../firewalls/defaults.js';
import type { Credentials, DefaultCredentials, PendingDefaults } from '../credentials/index.js';
import type { GivenCredentials } from '../credentials/issuer.js';
import type { CallContext } from '../../lib/context.js';
import type { TaskReceipt } from '../receipt.js';
import { recordSyncChange } from '../sync-change.js';
import { isTier, TIERS } from '../rate-limits/tiers.js';
import { deleteAccountIn } from './delete.js';

/** The user row this service returns, for dialects to render (they never import the store). */
export type { UserRow };

/** A new account, its first user and its default credentials keyed by issuer kind, shown once. */
export interface CreatedAccount {
  account: AccountRow;
  user: UserRow;
  credentials: DefaultCredentials;
}

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** What a new account may be given: its user's email and password, admin rights, and fixed credential values. */
export interface NewAccountOptions {
  email?: string;
  password?: string;
  admin?: boolean;
  given?: GivenCredentials;
}

/** An account whose credentials are being issued; create writes it (see AccountService.prepareAccount). */
export interface PreparedAccount {
  create(): Promise<CreatedAccount>;
}

/** What a new user may be given beyond its username (see createUser). */
export interface NewUserOptions {
  email?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  active?: boolean;
  apiAccess?: boolean;
  apiKey?: boolean;
  callbackKey?: boolean;
  ctx?: CallContext;
}

/** A new user, its password (shown once) and, when a caller's context was given, the receipt of the change. */
export interface CreatedUser {
  user: UserRow;
  password: string;
  receipt?: TaskReceipt;
}

/** A change of a user's email and names. */
export interface ProfileChange {
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** The users columns a profile change sets, checked: the email must look valid, names 1 to 100 characters. */
export function profileChanges(p: ProfileChange): Partial<UserRow> {
  const set: Partial<UserRow> = {};
  if (p.email !== undefined) {
    if (!/^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,63}$/.test(p.email))
      throw invalid('Enter a valid e-mail address.', 'email');
    set.email = p.email;
  }
  for (const [k, col] of [
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
  ] as const) {
    const v = p[k];
    if (v === undefined) continue;
    if (v.trim() === '' || v.length > 100) throw invalid('This field is required (1 to 100 characters).', col);
    set[col] = v.trim();
  }
  return set;
}

/** Stands in a new user's row until its password issuer saves the hash in the same transaction; no password matches it. */
const NO_PASSWORD_YET = '';

/** Creates and looks up accounts and users. */
export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly credentials: Credentials,
    private readonly onTierChange: (accountId: string) => void = () => {},
  ) {}

  /** Creates an account with one user, a default security group and every default credential (each generated unless given). */
  async createAccount(name: string, opts: NewAccountOptions = {}): Promise<CreatedAccount> {
    return this.prepareAccount(name, opts).create();
  }

  /**
   * Starts an account's creation: its credentials are issued (the password hashed on the hashing threads) at once and
   * its rows written only by create, so a caller can overlap the hashing with other work (nube serve's first start).
   */
  prepareAccount(name: string, opts: NewAccountOptions = {}): PreparedAccount {
    if (!ACCOUNT_NAME.test(name)) throw invalid('Account names are 1-63 letters, digits, ".", "_" or "-"', 'name');
    const issuing = this.credentials.issueDefaults({ password: opts.password, given: opts.given });
    // A prepared account that is never created must not leave an unhandled rejection behind.
    issuing.catch(() => {});
    return { create: async () => this.insertAccount(name, opts, await issuing) };
  }

  /** Writes a new account, its user, default credentials and security group in one transaction. */
  private async insertAccount(
    name: string,
    opts: NewAccountOptions,
    defaults: PendingDefaults,
  ): Promise<CreatedAccount> {
    const email = opts.email ?? `${name.toLowerCase()}@nube.local`;
    const now = nowIso();
    const account: AccountRow = {
      id: newId(),
      name,
      email,
      type: opts.admin ? 'admin' : 'user',
      state: 'enabled',
      created_at: now,
      tier: opts.admin ? 'pro' : 'free',
    };
    const user: UserRow = {
      id: newId(),
      account_id: account.id,
      username: name,
      email,
      password_hash: NO_PASSWORD_YET,
      first_name: name,
      last_name: name,
      state: 'enabled',
      created_at: now,
    };
    try {
      await this.store.tx(async (trx) => {
        await trx.insertInto('accounts').values(account).execute();
        await trx.insertInto('users').values(user).execute();
        await defaults.save(trx, { accountId: account.id, userId: user.id });
        await createDefaultSecurityGroup(trx, account.id);
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict(`An account or user named ${name} (${email}) already exists`, 'exists');
      throw err;
    }
    return { account, user: await this.userById(user.id), credentials: defaults.shown };
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

  /** Puts the named account on a REST API rate-limit tier (free, starter or pro); returns the account. */
  async setTier(name: string, tier: string): Promise<AccountRow> {
    if (!isTier(tier)) throw invalid(`Unknown tier ${tier} (${TIERS.join(', ')})`, 'tier');
    const account = await this.accountByName(name);
    await this.store.db.updateTable('accounts').set({ tier }).where('id', '=', account.id).execute();
    this.onTierChange(account.id);
    return { ...account, tier };
  }

  /** Deletes the named account with its users and credentials (operator tooling); refused for admin accounts and while it owns live resources. */
  async deleteAccount(ctx: CallContext, name: string): Promise<TaskReceipt> {
    return this.store.tx(async (trx) => {
      const account = await trx.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
      if (!account) throw notFound('account', name, 'object');
      return deleteAccountIn(trx, ctx, account);
    });
  }

  /** All accounts, by name. */
  async listAccounts(): Promise<AccountRow[]> {
    return this.store.db.selectFrom('accounts').selectAll().orderBy('name').execute();
  }

  /** Users of an account. */
  async listUsers(accountId: string): Promise<UserRow[]> {
    return this.store.db
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
  }

  /**
   * Adds a user to an account; the password is generated unless given and returned once. Names default to the
   * username, API access to allowed and the user to enabled; apiKey/callbackKey issue the user's Danube keys, and
   * ctx records the creation as a synchronous change of the caller (its receipt returned).
   */
  async createUser(accountName: string, username: string, opts: NewUserOptions = {}): Promise<CreatedUser> {
    const account = await this.accountByName(accountName);
    if (!ACCOUNT_NAME.test(username)) throw invalid('User names are 1-63 letters, digits, ".", "_" or "-"', 'username');
    const issued = await this.credentials.issuers.password.issue({ password: opts.password });
    const user: UserRow = {
      id: newId(),
      account_id: account.id,
      username,
      email: opts.email ?? `${username.toLowerCase()}@nube.local`,
      password_hash: NO_PASSWORD_YET,
      first_name: opts.firstName ?? username,
      last_name: opts.lastName ?? username,
      state: opts.active === false ? 'disabled' : 'enabled',
      created_at: nowIso(),
      ...(opts.apiAccess !== undefined ? { api_access: opts.apiAccess ? 1 : 0 } : {}),
    };
    let receipt: TaskReceipt | undefined;
    try {
      receipt = await this.store.tx(async (trx) => {
        await trx.insertInto('users').values(user).execute();
        await issued.save(trx, { accountId: account.id, userId: user.id });
        if (!opts.ctx) return undefined;
        const payload = { action: 'create', username };
        return recordSyncChange(trx, { objectType: 'user', objectId: user.id, ctx: opts.ctx, payload });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A user named ${username} (${user.email}) already exists`, 'exists');
      throw err;
    }
    if (opts.apiKey || opts.callbackKey)
      await this.credentials.issuers['user-api-key'].regenerate(
        { accountId: account.id, userId: user.id },
        { apiKey: opts.apiKey, callbackKey: opts.callbackKey },
      );
    return { user: await this.userById(user.id), password: issued.shown.password, receipt };
  }

  /** Changes the calling user's email and names (the seed's profile): email must look valid and stay unique. */
  async updateProfile(userId: string, p: ProfileChange): Promise<UserRow> {
    const set = profileChanges(p);
    if (Object.keys(set).length) {
      try {
        await this.store.db.updateTable('users').set(set).where('id', '=', userId).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`The e-mail address ${p.email} is already used`, 'exists');
        throw err;
      }
    }
    return this.userById(userId);
  }

  private async userById(id: string): Promise<UserRow> {
    const user = await this.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!user) throw notFound('user', id, 'object');
    return user;
  }
}
