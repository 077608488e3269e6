/** CVM API token pairs: a public token that identifies, a private token shown once and stored as a SHA-256 hash. */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Q, Store } from '../../store/db.js';
import type { CredentialRow } from '../../store/schema.js';
import { notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { hashToken } from './secrets.js';
import type { Principal } from './principal.js';
import type { AuthThrottle } from './throttle.js';

/** The credentials.kind of CVM token pairs. */
export const CVM_KIND = 'cvm';

/** A freshly made pair; the private token exists only in this value. */
export interface CvmPair { id: string; public: string; private: string; clientApi: boolean }

/** A pair as listed: never with its private token. */
export interface CvmPairInfo { id: string; account: string; user: string; public: string; name: string; client_api: boolean; created: string; revoked: string | null }

/** Outcome of checking a token pair: unknown or wrong (undefined), or the principal and whether it may use the client API. */
export interface CvmAuth { principal: Principal; clientApi: boolean }

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Compared against when a public token is unknown, so that unknown and known tokens take the same work. */
const NO_SUCH_PAIR_HASH = hashToken(randomBytes(32).toString('hex'));

/** A random token of n letters and digits, the shape CVM tokens have. */
export function alnumToken(n = 32): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** Inserts a new pair for a user in the caller's transaction (account creation uses it too). */
export async function insertCvmPair(q: Q, accountId: string, userId: string, opts: { name?: string; clientApi?: boolean } = {}): Promise<CvmPair> {
  const pair: CvmPair = { id: newId(), public: alnumToken(), private: alnumToken(), clientApi: opts.clientApi ?? true };
  await q.insertInto('credentials').values({
    id: pair.id, account_id: accountId, user_id: userId, kind: CVM_KIND, name: opts.name ?? 'default', public_key: pair.public,
    secret_enc: null, secret_hash: hashToken(pair.private), created_at: nowIso(), revoked_at: null, client_api: pair.clientApi ? 1 : 0,
  }).execute();
  return pair;
}

/** Creates, lists, revokes and verifies CVM token pairs. */
export class CvmTokenService {
  constructor(private readonly store: Store, private readonly throttle: AuthThrottle) {}

  /** Creates a pair for the account's first user (or the named one); clientApi false makes a pair the client API refuses (403). */
  async create(accountName: string, opts: { name?: string; username?: string; clientApi?: boolean } = {}): Promise<CvmPair & { account: string }> {
    const account = await this.store.db.selectFrom('accounts').selectAll().where('name', '=', accountName).executeTakeFirst();
    if (!account) throw notFound('account', accountName, 'object');
    let uq = this.store.db.selectFrom('users').selectAll().where('account_id', '=', account.id);
    if (opts.username) uq = uq.where('username', '=', opts.username);
    const user = await uq.orderBy('created_at').executeTakeFirst();
    if (!user) throw notFound('user', opts.username ?? '(none)', 'object');
    const pair = await insertCvmPair(this.store.db, account.id, user.id, opts);
    return { account: account.name, ...pair };
  }

  /** The account's pairs, without private tokens. */
  async list(accountName: string): Promise<CvmPairInfo[]> {
    const account = await this.store.db.selectFrom('accounts').selectAll().where('name', '=', accountName).executeTakeFirst();
    if (!account) throw notFound('account', accountName, 'object');
    const rows = await this.store.db.selectFrom('credentials').innerJoin('users', 'users.id', 'credentials.user_id')
      .select(['credentials.id', 'credentials.public_key', 'credentials.name', 'credentials.created_at', 'credentials.revoked_at',
        'credentials.client_api', 'users.username'])
      .where('credentials.account_id', '=', account.id).where('credentials.kind', '=', CVM_KIND).orderBy('credentials.created_at').execute();
    return rows.map((r) => ({
      id: r.id, account: account.name, user: r.username, public: r.public_key, name: r.name,
      client_api: Number(r.client_api ?? 1) === 1, created: r.created_at, revoked: r.revoked_at,
    }));
  }

  /** Revokes a pair by its public token or id; later requests with it answer 401. */
  async revoke(publicOrId: string): Promise<void> {
    const r = await this.store.db.updateTable('credentials').set({ revoked_at: nowIso() })
      .where('kind', '=', CVM_KIND).where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('public_key', '=', publicOrId), eb('id', '=', publicOrId)])).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound('CVM token pair', publicOrId, 'object');
  }

  /**
   * Checks a pair presented from source in constant time over the hash; undefined for a missing, unknown, revoked or
   * wrong pair or a disabled account. Presented pairs count for the failure throttle under their public token:
   * RateLimited while the source or that token is locked.
   */
  async authenticate(publicToken: string | undefined, privateToken: string | undefined, source: string): Promise<CvmAuth | undefined> {
    if (!publicToken || !privateToken || publicToken.length > 200 || privateToken.length > 200) return undefined;
    return this.throttle.attempt(source, `cvm:${publicToken}`, async () => {
      const cred: CredentialRow | undefined = await this.store.db.selectFrom('credentials').selectAll()
        .where('kind', '=', CVM_KIND).where('public_key', '=', publicToken).executeTakeFirst();
      const want = Buffer.from(cred?.secret_hash ?? NO_SUCH_PAIR_HASH, 'hex');
      const got = Buffer.from(hashToken(privateToken), 'hex');
      const matches = want.length === got.length && timingSafeEqual(want, got);
      if (!cred || cred.revoked_at || !cred.secret_hash || !matches) return undefined;
      const account = await this.store.db.selectFrom('accounts').selectAll().where('id', '=', cred.account_id).executeTakeFirst();
      const user = await this.store.db.selectFrom('users').selectAll().where('id', '=', cred.user_id).executeTakeFirst();
      if (!account || !user || account.state !== 'enabled' || user.state !== 'enabled') return undefined;
      return { principal: { account, user }, clientApi: Number(cred.client_api ?? 1) === 1 };
    });
  }
}
