/** Token pairs (CVM): a public token that identifies and a private token shown once and stored as a SHA-256 hash. */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/db.js';
import type { CredentialRow } from '../../store/schema.js';
import { newId } from '../../lib/util.js';
import { hashToken } from '../accounts/secrets.js';
import type { Principal } from '../accounts/principal.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import type { IssueOptions, Issued, Issuer } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { insertRow, listRows, revokeRow } from './rows.js';
import { LookupMemo } from './memo.js';

/** The issuer kind of token pairs. */
const KIND = 'token-pair';
/** credentials.kind of their rows (the value stored since they were first issued). */
const ROW_KIND = 'cvm';

/** A freshly made pair; the private token exists only in this value. */
export interface TokenPair {
  id: string;
  public: string;
  private: string;
  clientApi: boolean;
}

/** A pair as presented by a client (either token may be missing). */
export interface PresentedPair {
  public: string | undefined;
  private: string | undefined;
}

/** A pair as listed: never with its private token. */
export interface TokenPairInfo {
  id: string;
  account: string;
  user: string;
  public: string;
  name: string;
  client_api: boolean;
  created: string;
  revoked: string | null;
}

/** A verified pair: its principal and whether it may use the client API. */
export interface TokenPairAuth {
  principal: Principal;
  clientApi: boolean;
}

/** Issuing a pair: clientApi false makes a pair the client API refuses (403). */
export interface TokenPairOptions extends IssueOptions {
  clientApi?: boolean;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Compared against when a public token is unknown, so that unknown and known tokens take the same work. */
const NO_SUCH_PAIR_HASH = hashToken(randomBytes(32).toString('hex'));

/** A random token of n letters and digits, the shape these tokens have. */
function alnumToken(n = 32): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** found's access when privateToken hashes to its stored hash (compared in constant time), else undefined. */
function matched(
  found: { cred: CredentialRow; principal: Principal } | undefined,
  privateToken: string,
): TokenPairAuth | undefined {
  const want = Buffer.from(found?.cred.secret_hash ?? NO_SUCH_PAIR_HASH, 'hex');
  const got = Buffer.from(hashToken(privateToken), 'hex');
  const matches = want.length === got.length && timingSafeEqual(want, got);
  if (!found || !matches) return undefined;
  return { principal: found.principal, clientApi: Number(found.cred.client_api ?? 1) === 1 };
}

/** Issues, verifies, revokes and lists token pairs. */
export class TokenPairIssuer implements Issuer<
  typeof KIND,
  TokenPair,
  PresentedPair,
  TokenPairAuth,
  TokenPairInfo,
  TokenPairOptions
> {
  readonly kind = KIND;
  private readonly lookups: LookupMemo<{ cred: CredentialRow; principal: Principal }>;

  constructor(
    private readonly store: Store,
    private readonly throttle: AuthThrottle,
  ) {
    this.lookups = new LookupMemo(store);
  }

  /** A new pair, named opts.name ('default' unless given). */
  async issue(opts: TokenPairOptions): Promise<Issued<TokenPair>> {
    const shown: TokenPair = {
      id: newId(),
      public: opts.given?.tokenPublic ?? alnumToken(),
      private: opts.given?.tokenPrivate ?? alnumToken(),
      clientApi: opts.clientApi ?? true,
    };
    return {
      shown,
      save: (q, owner) =>
        insertRow(
          q,
          {
            id: shown.id,
            kind: ROW_KIND,
            name: opts.name ?? 'default',
            public_key: shown.public,
            secret_enc: null,
            secret_hash: hashToken(shown.private),
            client_api: shown.clientApi ? 1 : 0,
          },
          owner,
        ),
    };
  }

  /**
   * Checks a pair presented from source in constant time over the hash; undefined for a missing, unknown, revoked or
   * wrong pair or a disabled account. Presented pairs count for the failure throttle under their public token:
   * RateLimited while the source or that token is locked.
   */
  async verify(pair: PresentedPair, source: string): Promise<TokenPairAuth | undefined> {
    const { public: publicToken, private: privateToken } = pair;
    if (!publicToken || !privateToken || publicToken.length > 200 || privateToken.length > 200) return undefined;
    return this.throttle.attempt(source, `${KIND}:${publicToken}`, async () => {
      const found = await this.lookups.get(publicToken, async () => {
        const cred: CredentialRow | undefined = await this.store.db
          .selectFrom('credentials')
          .selectAll()
          .where('kind', '=', ROW_KIND)
          .where('public_key', '=', publicToken)
          .executeTakeFirst();
        if (!cred || cred.revoked_at || !cred.secret_hash) return undefined;
        const principal = await enabledPrincipal(this.store.db, cred.account_id, cred.user_id);
        return principal && { cred, principal };
      });
      return matched(found, privateToken);
    });
  }

  /**
   * verify without waiting, for a request's synchronous fast path: the pair's access when its lookup is cached under the
   * identity version known now (read after since), nothing locks the token or source, and the private token matches;
   * undefined means "use verify", which gives the authoritative answer and counts a failure.
   */
  verifyNow(pair: PresentedPair, source: string, since?: number): TokenPairAuth | undefined {
    const { public: publicToken, private: privateToken } = pair;
    if (!publicToken || !privateToken || publicToken.length > 200 || privateToken.length > 200) return undefined;
    const login = `${KIND}:${publicToken}`;
    if (!this.throttle.allows(source, login)) return undefined;
    const found = this.lookups.peek(publicToken, since);
    const auth = found && matched(found, privateToken);
    if (auth) this.throttle.succeeded(source, login);
    return auth;
  }

  /** Revokes a pair by its public token or id; later requests with it answer 401. */
  async revoke(publicOrId: string): Promise<void> {
    await revokeRow(this.store.db, ROW_KIND, publicOrId, 'CVM token pair');
  }

  /** The account's pairs, without private tokens. */
  async list(account: { id: string; name: string }): Promise<TokenPairInfo[]> {
    return (await listRows(this.store.db, ROW_KIND, account.id)).map((r) => ({
      id: r.id,
      account: account.name,
      user: r.username,
      public: r.publicKey,
      name: r.name,
      client_api: r.clientApi,
      created: r.created,
      revoked: r.revoked,
    }));
  }
}
