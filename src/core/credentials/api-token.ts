/**
 * REST API tokens, Laravel Sanctum style: the text is `<id>|<secret>` where id is the row's integer id and secret 40
 * letters and digits; only sha256(secret) is stored, compared in constant time. Each token carries permissions
 * (`["*"]` = unrestricted, like Sanctum's abilities) checked by the core's guard, may expire, and records when it was
 * last used (written at most once a minute, not on every request).
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Q, Store } from '../../store/db.js';
import type { ApiTokenRow } from '../../store/schema.js';
import { invalid, notFound } from '../../lib/errors.js';
import { nowIso, parseJson } from '../../lib/util.js';
import { hashToken } from '../accounts/secrets.js';
import type { Principal } from '../accounts/principal.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import { DEFAULT_PERMISSIONS, ROLES, unknownPermissions, type Role } from '../permissions.js';
import type { IssueOptions, Issued, Issuer, Owner } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { LookupMemo } from './memo.js';

/** The issuer kind of API tokens. */
const KIND = 'api-token';

/** What a token's permissions are when it is unrestricted. */
const UNRESTRICTED = '*';

/** How often last_used_at is written at most, per token. */
const LAST_USED_EVERY_MS = 60_000;

/** The shape of a presented token: the row id, a bar, the 40-character secret. */
const TOKEN = /^([0-9]{1,15})\|([A-Za-z0-9]{40})$/;

/** Compared against when the id is unknown, so that unknown and known ids take the same work. */
const NO_SUCH_TOKEN_HASH = hashToken(randomBytes(32).toString('hex'));

/** How many token secrets that matched their stored hash are kept (see ApiTokenIssuer.matched). */
const MATCHED_ITEMS = 1024;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Issuing a token: a role, or chosen permissions (DEFAULT_PERMISSIONS otherwise), and an optional expiry (ISO-8601). */
export interface ApiTokenOptions extends IssueOptions {
  permissions?: string[];
  role?: Role;
  expiresAt?: string;
}

/** A new token as shown once: the only time its text exists outside the client. */
export interface ApiTokenShown {
  token: string;
  id: number;
  name: string;
  permissions: string[];
  expiresAt: string | null;
}

/** A token as listed: never its secret or the secret's hash. */
export interface ApiTokenInfo {
  id: number;
  name: string;
  permissions: string[];
  lastUsedAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** A verified token: its principal, its permissions (undefined = unrestricted) and its id. */
export interface ApiTokenAuth {
  principal: Principal;
  permissions: ReadonlySet<string> | undefined;
  tokenId: number;
}

/** A random secret of 40 letters and digits. */
function newSecret(): string {
  let s = '';
  for (let i = 0; i < 40; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** The permissions a token is issued with: by role, else the chosen ones (all known), else the defaults. */
function permissionsOf(opts: ApiTokenOptions): string[] {
  if (opts.accountDefault || opts.role === 'admin') return [UNRESTRICTED];
  if (opts.role === 'editor') return [...ROLES.editor];
  if (opts.role !== undefined) throw invalid(`Unknown role ${String(opts.role)} (editor or admin)`, 'role');
  if (opts.permissions === undefined) return [...DEFAULT_PERMISSIONS];
  if (opts.permissions.includes(UNRESTRICTED)) return [UNRESTRICTED];
  const unknown = unknownPermissions(opts.permissions);
  if (unknown.length) throw invalid(`Unknown permissions: ${unknown.join(', ')}`, 'permissions');
  return [...new Set(opts.permissions)];
}

/** The token's name: 'default' for an account's first token, else the given one (1 to 255 characters) or 'token'. */
function nameOf(opts: ApiTokenOptions): string {
  if (opts.accountDefault) return 'default';
  const name = (opts.name ?? 'token').trim();
  if (name === '' || name.length > 255) throw invalid('Token names are 1 to 255 characters', 'name');
  return name;
}

/** The expiry as ISO-8601, or null; it must be a date in the future. */
function expiryOf(opts: ApiTokenOptions): string | null {
  if (opts.expiresAt === undefined || opts.accountDefault) return null;
  const at = Date.parse(opts.expiresAt);
  if (Number.isNaN(at)) throw invalid(`Not a date: ${opts.expiresAt}`, 'expires_at');
  if (at <= Date.now()) throw invalid('The expiry date must be in the future', 'expires_at');
  return new Date(at).toISOString();
}

/** A stored permissions column as a list. */
function storedPermissions(row: Pick<ApiTokenRow, 'permissions'>): string[] {
  const ps = parseJson<unknown>(row.permissions, []);
  return Array.isArray(ps) ? ps.filter((p): p is string => typeof p === 'string') : [];
}

/** Whether the token's row has an expiry that has passed. */
function expired(row: Pick<ApiTokenRow, 'expires_at'>, now: number): boolean {
  return !!row.expires_at && Date.parse(row.expires_at) <= now;
}

/** Issues, verifies, revokes and lists REST API tokens. */
export class ApiTokenIssuer implements Issuer<
  typeof KIND,
  ApiTokenShown,
  string,
  ApiTokenAuth,
  ApiTokenInfo,
  ApiTokenOptions
> {
  readonly kind = KIND;

  private readonly lookups: LookupMemo<{
    row: Selectable<ApiTokenRow>;
    principal: Principal;
    permissions: Set<string> | undefined;
  }>;
  /**
   * Token secrets that matched their stored hash, with that hash: a token sent again whose row still holds the same
   * hash needs no SHA-256 (a pure function of the secret, so a kept one is never wrong). Guesses are never kept.
   */
  private readonly matched = new Map<string, string>();
  /**
   * When this process last recorded each token as used, and the last_used_at its row showed then: a cached row keeps
   * showing that value after the write, so without this every request until the row left the cache sent an UPDATE,
   * and 64 first requests arriving together sent 64 write statements in one turn (~80-120 ms held at a load's start).
   */
  private readonly touched = new Map<number, { at: number; seen: string | null }>();

  constructor(
    private readonly store: Store,
    private readonly throttle: AuthThrottle,
  ) {
    this.lookups = new LookupMemo(store);
  }

  /** A new token (options checked now); its id and text are filled in by save, since the id is the new row's. */
  async issue(opts: ApiTokenOptions): Promise<Issued<ApiTokenShown>> {
    const secret = opts.given?.restToken ?? newSecret();
    const shown: ApiTokenShown = {
      token: '',
      id: 0,
      name: nameOf(opts),
      permissions: permissionsOf(opts),
      expiresAt: expiryOf(opts),
    };
    return {
      shown,
      save: async (q: Q, owner: Owner) => {
        const row = await q
          .insertInto('api_tokens')
          .values({
            account_id: owner.accountId,
            user_id: owner.userId,
            name: shown.name,
            token_hash: hashToken(secret),
            permissions: JSON.stringify(shown.permissions),
            last_used_at: null,
            expires_at: shown.expiresAt,
            created_at: nowIso(),
            revoked_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        shown.id = Number(row.id);
        shown.token = `${shown.id}|${secret}`;
      },
    };
  }

  /** Issues a token to owner and saves it at once (the web token page, the REST dialect). */
  async issueFor(owner: Owner, opts: ApiTokenOptions): Promise<ApiTokenShown> {
    const issued = await this.issue(opts);
    await this.store.tx((trx) => issued.save(trx, owner));
    return issued.shown;
  }

  /**
   * The principal and permissions of a live token presented from source; undefined for a malformed, unknown, wrong,
   * revoked or expired token or a disabled account or user. Failures count for the throttle per source address only
   * (ids are small sequential integers: counting per id would let anyone lock a token out): RateLimited while locked.
   */
  async verify(token: string, source: string): Promise<ApiTokenAuth | undefined> {
    const m = typeof token === 'string' && token.length <= 64 ? TOKEN.exec(token) : null;
    return this.throttle.attempt(source, `${KIND}:${source}`, async () => {
      if (!m) return undefined;
      const id = Number(m[1]);
      const found = await this.lookups.get(String(id), async () => {
        const row = await this.store.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row || row.revoked_at) return undefined;
        const principal = await enabledPrincipal(this.store.db, row.account_id, row.user_id);
        const ps = storedPermissions(row);
        return principal && { row, principal, permissions: ps.includes(UNRESTRICTED) ? undefined : new Set(ps) };
      });
      const secret = m[2]!;
      const hash = found && this.matched.get(secret) === found.row.token_hash ? found.row.token_hash : undefined;
      if (hash === undefined) {
        const want = Buffer.from(found?.row.token_hash ?? NO_SUCH_TOKEN_HASH, 'hex');
        const got = Buffer.from(hashToken(secret), 'hex');
        const matches = want.length === got.length && timingSafeEqual(want, got);
        if (!found || !matches) return undefined;
        if (this.matched.size >= MATCHED_ITEMS) this.matched.delete(this.matched.keys().next().value!);
        this.matched.set(secret, found.row.token_hash);
      }
      const { row, principal, permissions } = found!;
      const now = Date.now();
      if (expired(row, now)) return undefined;
      await this.touch(id, row.last_used_at, now);
      return { principal, permissions, tokenId: id };
    });
  }

  /**
   * verify's answer when it is known without waiting: the token's row is cached under the identity version known now
   * (read after since), its secret matched before, it is unexpired, nothing locks the source, and last_used_at needs no
   * write. Undefined means "use verify", which gives the authoritative answer and counts a failure.
   */
  verifyNow(token: string, source: string, since?: number): ApiTokenAuth | undefined {
    const m = typeof token === 'string' && token.length <= 64 ? TOKEN.exec(token) : null;
    const login = `${KIND}:${source}`;
    if (!m || !this.throttle.allows(source, login)) return undefined;
    const id = Number(m[1]);
    const found = this.lookups.peek(String(id), since);
    if (!found || this.matched.get(m[2]!) !== found.row.token_hash) return undefined;
    const now = Date.now();
    if (expired(found.row, now) || this.touchDue(id, found.row.last_used_at, now)) return undefined;
    this.throttle.succeeded(source, login);
    return { principal: found.principal, permissions: found.permissions, tokenId: id };
  }

  /** Revokes a live token given by its id or its full text (whose secret must match); NotFound otherwise. */
  async revoke(ref: string): Promise<void> {
    const m = TOKEN.exec(ref);
    if (!m && !/^[0-9]{1,15}$/.test(ref)) throw notFound('API token', ref, 'object');
    let q = this.store.db
      .updateTable('api_tokens')
      .set({ revoked_at: nowIso() })
      .where('id', '=', Number(m ? m[1] : ref))
      .where('revoked_at', 'is', null);
    if (m) q = q.where('token_hash', '=', hashToken(m[2]!));
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound('API token', m ? m[1] : ref, 'object');
  }

  /** Revokes the account's live token with this id; NotFound when it is another account's or already revoked. */
  async revokeOwned(accountId: string, id: number): Promise<void> {
    const r = await this.store.db
      .updateTable('api_tokens')
      .set({ revoked_at: nowIso() })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound('API token', String(id), 'object');
  }

  /** The account's tokens, oldest first, revoked ones included, never with their secrets. */
  async list(account: { id: string; name: string }): Promise<ApiTokenInfo[]> {
    const rows = await this.store.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'permissions', 'last_used_at', 'expires_at', 'created_at', 'revoked_at'])
      .where('account_id', '=', account.id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      permissions: storedPermissions(r),
      lastUsedAt: r.last_used_at,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
    }));
  }

  /** Whether last_used_at is to be written now: it is over a minute old, and this process has not written it since it was read. */
  private touchDue(id: number, lastUsedAt: string | null, now: number): boolean {
    if (lastUsedAt && Date.parse(lastUsedAt) > now - LAST_USED_EVERY_MS) return false;
    // The row still shows what it showed when this process wrote (a cached row, or the write in flight): done already.
    const mine = this.touched.get(id);
    return !(mine && mine.seen === lastUsedAt && mine.at > now - LAST_USED_EVERY_MS);
  }

  /** Records the token as used now unless that was recorded less than a minute ago (by this or another process). */
  private async touch(id: number, lastUsedAt: string | null, now: number): Promise<void> {
    if (!this.touchDue(id, lastUsedAt, now)) return;
    if (this.touched.size >= MATCHED_ITEMS) this.touched.delete(this.touched.keys().next().value!);
    this.touched.set(id, { at: now, seen: lastUsedAt });
    const cutoff = new Date(now - LAST_USED_EVERY_MS).toISOString();
    try {
      await this.store.db
        .updateTable('api_tokens')
        .set({ last_used_at: nowIso() })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', cutoff)]))
        .execute();
    } catch (err) {
      this.touched.delete(id);
      throw err;
    }
  }
}
