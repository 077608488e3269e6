/**
 * UserService: the users of accounts as their callers manage them. A SuperAdmin (a user of the admin account) manages
 * every user; an account's owner (its first user, named after the account) manages the users of that account; any
 * other user sees and changes only themselves. Another account's user is NotFound.
 */
import type { Q, Store } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { AccountRow, UserRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { conflict, forbidden, invalid, notFound } from '../../lib/errors.js';
import type { Credentials } from '../credentials/index.js';
import type { UserApiKeys } from '../credentials/user-api-key.js';
import type { TaskReceipt } from '../receipt.js';
import { recordSyncChange } from '../sync-change.js';
import { profileChanges, type AccountService, type ProfileChange } from './service.js';

/** A user as every dialect may show it (never a secret). */
export interface UserView {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  accountId: string;
  accountName: string;
  active: boolean;
  apiAccess: boolean;
  /** A user of the admin account. */
  superAdmin: boolean;
  /** The account's owner: it manages the account's users. */
  owner: boolean;
  created: string;
  /** Extra profile fields (phone, company, address, ...), as last set. */
  profile: Record<string, unknown>;
}

/** A new user of the caller's account. */
export interface NewUser {
  username: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  active?: boolean;
  apiAccess?: boolean;
  /** Must match what the user will be: true only in the admin account (whose users are all SuperAdmin). */
  superAdmin?: boolean;
  apiKey?: boolean;
  callbackKey?: boolean;
}

/** A change of a user: names, email, password, and (for those who manage the user) active and API access. */
export interface UserChange extends ProfileChange {
  password?: string;
  active?: boolean;
  apiAccess?: boolean;
  superAdmin?: boolean;
  /** Extra profile fields to merge (null removes one). */
  profile?: Record<string, unknown>;
}

/** A changed user and the receipt of the change. */
export interface UserChanged {
  user: UserView;
  receipt: TaskReceipt;
}

const OBJECT = 'user';
const NO_RIGHT = "You don't have permission to modify this attribute.";

/** The owner of an account is its first user, named after it. */
function isOwner(user: UserRow, account: AccountRow): boolean {
  return user.username === account.name;
}

/** The profile extras of a row. */
function extrasOf(row: UserRow): Record<string, unknown> {
  try {
    const v: unknown = row.profile ? JSON.parse(row.profile) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function view(user: UserRow, account: AccountRow): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    accountId: account.id,
    accountName: account.name,
    active: user.state === 'enabled',
    apiAccess: Number(user.api_access ?? 1) === 1,
    superAdmin: account.type === 'admin',
    owner: isOwner(user, account),
    created: user.created_at,
    profile: extrasOf(user),
  };
}

/** Lists, creates, changes and deletes users, their profiles and their API keys, checked against the caller. */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly credentials: Credentials,
    private readonly accounts: AccountService,
  ) {}

  /** The users the caller manages (every user for a SuperAdmin, the account's for its owner), active or not. */
  async list(ctx: CallContext, opts: { active?: boolean } = {}): Promise<UserView[]> {
    await this.requireManager(ctx);
    const accounts = ctx.isAdmin
      ? await this.accounts.listAccounts()
      : [await this.accounts.accountById(ctx.accountId)];
    const byId = new Map(accounts.map((a) => [a.id, a]));
    let q = this.store.db.selectFrom('users').selectAll();
    if (!ctx.isAdmin) q = q.where('account_id', '=', ctx.accountId);
    if (opts.active !== undefined) q = q.where('state', opts.active ? '=' : '!=', 'enabled');
    const rows = await q.orderBy('username').execute();
    return rows.filter((r) => byId.has(r.account_id)).map((r) => view(r, byId.get(r.account_id)!));
  }

  /** One user the caller may see: themselves, or a user they manage. */
  async get(ctx: CallContext, username: string): Promise<UserView> {
    const t = await this.target(ctx, username, false);
    return view(t.user, t.account);
  }

  /** Creates a user in the caller's account (SuperAdmin or account owner only). */
  async create(ctx: CallContext, input: NewUser): Promise<UserChanged> {
    await this.requireManager(ctx);
    const account = await this.accounts.accountById(ctx.accountId);
    if (input.superAdmin !== undefined && input.superAdmin !== (account.type === 'admin'))
      throw invalid(ctx.isAdmin ? 'Users of the admin account are always SuperAdmin.' : NO_RIGHT, 'superAdmin');
    const same = await this.store.db
      .selectFrom('users')
      .select(['username', 'email'])
      .where((eb) => eb.or([eb('username', '=', input.username), eb('email', '=', input.email)]))
      .execute();
    if (same.some((u) => u.username === input.username)) throw conflict('User already exists', 'exists');
    if (same.length > 0) throw invalid('This email is already in use. Please supply a different email.', 'email');
    profileChanges(input);
    const made = await this.accounts.createUser(account.name, input.username, { ...input, ctx });
    return { user: view(made.user, account), receipt: made.receipt! };
  }

  /** Changes a user; active, API access and SuperAdmin need the right to manage them, and nobody disables themselves. */
  async update(ctx: CallContext, username: string, c: UserChange): Promise<UserChanged> {
    const t = await this.target(ctx, username, false);
    const self = t.user.id === ctx.userId;
    const manager = ctx.isAdmin || (t.account.id === ctx.accountId && (await this.callerOwns(ctx)));
    const set: Partial<UserRow> = profileChanges(c);
    if (c.superAdmin !== undefined && c.superAdmin !== (t.account.type === 'admin'))
      throw invalid(ctx.isAdmin ? 'Users of the admin account are always SuperAdmin.' : NO_RIGHT, 'superAdmin');
    for (const [field, col, on] of [
      ['active', 'state', c.active],
      ['apiAccess', 'api_access', c.apiAccess],
    ] as const) {
      if (on === undefined) continue;
      const now = col === 'state' ? t.user.state === 'enabled' : Number(t.user.api_access ?? 1) === 1;
      if (on === now) continue;
      if (!manager || self || isOwner(t.user, t.account)) throw invalid(NO_RIGHT, field);
      if (col === 'state') set.state = on ? 'enabled' : 'disabled';
      else set.api_access = on ? 1 : 0;
    }
    if (c.profile) {
      const merged = { ...extrasOf(t.user), ...c.profile };
      for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
      set.profile = JSON.stringify(merged);
    }
    if (c.password !== undefined) {
      if (c.password === '') throw invalid('This field is required.', 'password');
      const issued = await this.credentials.issuers.password.issue({ password: c.password });
      const owner = { accountId: t.account.id, userId: t.user.id };
      return this.apply(ctx, t.user, set, (trx) => issued.save(trx, owner));
    }
    return this.apply(ctx, t.user, set);
  }

  /** Replaces a managed user's password with a generated one (the old one stops working at once); the new one is returned once. */
  async resetPassword(ctx: CallContext, username: string): Promise<UserChanged & { password: string }> {
    const t = await this.target(ctx, username, true);
    const issued = await this.credentials.issuers.password.issue({});
    const owner = { accountId: t.account.id, userId: t.user.id };
    const changed = await this.apply(ctx, t.user, {}, (trx) => issued.save(trx, owner));
    return { ...changed, password: issued.shown.password };
  }

  /** Deletes a user the caller manages and every credential of theirs; not the caller, not an account's owner. */
  async delete(ctx: CallContext, username: string): Promise<TaskReceipt> {
    const t = await this.target(ctx, username, true);
    if (t.user.id === ctx.userId) throw forbidden('You cannot delete yourself');
    if (isOwner(t.user, t.account))
      throw conflict('Cannot delete user, because he has relations to some objects.', 'in_use');
    return this.store.tx(async (trx) => {
      await trx.deleteFrom('credentials').where('user_id', '=', t.user.id).execute();
      await trx.deleteFrom('users').where('id', '=', t.user.id).execute();
      const payload = { action: 'delete', username };
      return recordSyncChange(trx, { objectType: OBJECT, objectId: t.user.id, ctx, payload });
    });
  }

  /** The user's API key and callback key in clear (empty when never issued), for themselves or whoever manages them. */
  async apiKeys(ctx: CallContext, username: string): Promise<UserApiKeys> {
    const t = await this.target(ctx, username, false);
    return this.credentials.issuers['user-api-key'].keysOf(t.user.id);
  }

  /** Replaces the user's API key and/or callback key (the old ones stop working at once); returns the live keys. */
  async regenerateKeys(
    ctx: CallContext,
    username: string,
    which: { apiKey?: boolean; callbackKey?: boolean },
  ): Promise<UserApiKeys> {
    const t = await this.target(ctx, username, false);
    return this.credentials.issuers['user-api-key'].regenerate({ accountId: t.account.id, userId: t.user.id }, which);
  }

  /** The context of the caller acting in the account of a user they may see (whose SSH keys are that account's). */
  async accountContext(ctx: CallContext, username: string): Promise<CallContext> {
    const t = await this.target(ctx, username, false);
    return { ...ctx, accountId: t.account.id, accountName: t.account.name };
  }

  /** Writes a change and its record in one transaction, with extra work (a new password) in it. */
  private async apply(
    ctx: CallContext,
    user: UserRow,
    set: Partial<UserRow>,
    extra?: (trx: Q) => Promise<void>,
  ): Promise<UserChanged> {
    try {
      const receipt = await this.store.tx(async (trx) => {
        if (Object.keys(set).length > 0) await trx.updateTable('users').set(set).where('id', '=', user.id).execute();
        if (extra) await extra(trx);
        const fields = Object.keys(set).concat(extra ? ['password'] : []);
        const payload = { action: 'update', username: user.username, fields };
        return recordSyncChange(trx, { objectType: OBJECT, objectId: user.id, ctx, payload });
      });
      return { user: await this.get(ctx, user.username), receipt };
    } catch (err) {
      if (isUniqueViolation(err))
        throw invalid('This email is already in use. Please supply a different email.', 'email');
      throw err;
    }
  }

  /** The named user and account when the caller may see them (manage: and change them as a manager). */
  private async target(
    ctx: CallContext,
    username: string,
    manage: boolean,
  ): Promise<{ user: UserRow; account: AccountRow }> {
    const user = await this.store.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    if (!user || (!ctx.isAdmin && user.account_id !== ctx.accountId)) throw notFound('User', undefined, 'object');
    const account = await this.accounts.accountById(user.account_id);
    if (ctx.isAdmin || (!manage && user.id === ctx.userId)) return { user, account };
    if (!(await this.callerOwns(ctx))) throw forbidden('You do not have permission to perform this action.');
    return { user, account };
  }

  /** Refuses callers who manage no users (neither SuperAdmin nor their account's owner). */
  private async requireManager(ctx: CallContext): Promise<void> {
    if (!ctx.isAdmin && !(await this.callerOwns(ctx)))
      throw forbidden('You do not have permission to perform this action.');
  }

  /** True when the caller is their account's owner. */
  private async callerOwns(ctx: CallContext): Promise<boolean> {
    if (!ctx.userId) return false;
    const [user, account] = await Promise.all([
      this.store.db.selectFrom('users').selectAll().where('id', '=', ctx.userId).executeTakeFirst(),
      this.accounts.accountById(ctx.accountId),
    ]);
    return !!user && user.account_id === account.id && isOwner(user, account);
  }
}
