/**
 * Session tokens (Danube login): 40 lowercase hex characters issued by a password login, one live token per user (a new
 * login revokes the old one), expiring a fixed time after issue (not sliding), stored only as a SHA-256 hash.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/db.js';
import { newId, nowIso } from '../../lib/util.js';
import { hashToken } from '../accounts/secrets.js';
import type { Principal } from '../accounts/principal.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import type { IssueOptions, Issued, Issuer } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { insertRow, listRows, revokeRow } from './rows.js';
import type { PasswordIssuer } from './password.js';

/** The issuer kind (and row kind) of session tokens. */
const KIND = 'session-token';

/** How long a session token lives, in seconds (Danube's AUTHTOKEN_DURATION). */
const SESSION_TOKEN_TTL_SEC = 3600;

/** A new session token, shown once, with its expiry (ISO-8601). */
export interface SessionToken {
  id: string;
  token: string;
  expires: string;
}

/** A session token as listed: never the token. */
export interface SessionTokenInfo {
  id: string;
  account: string;
  user: string;
  created: string;
  revoked: string | null;
}

/** Why a login was refused: the credentials do not match, or the user may not use the API. */
export type LoginRefusal = 'bad_credentials' | 'no_api_access';

/** Issues session tokens on login, verifies, revokes and lists them. */
export class SessionTokenIssuer implements Issuer<typeof KIND, SessionToken, string, Principal, SessionTokenInfo> {
  readonly kind = KIND;
  /** Tokens come from a login, not with a new account. */
  readonly byDefault = false;

  constructor(
    private readonly store: Store,
    private readonly throttle: AuthThrottle,
    private readonly passwords: PasswordIssuer,
  ) {}

  /** A new token expiring SESSION_TOKEN_TTL_SEC from now; save revokes the owner user's earlier tokens and stores its hash. */
  async issue(opts: IssueOptions): Promise<Issued<SessionToken>> {
    const token = randomBytes(20).toString('hex');
    const expires = new Date(Date.now() + SESSION_TOKEN_TTL_SEC * 1000).toISOString();
    const shown: SessionToken = { id: newId(), token, expires };
    return {
      shown,
      save: async (q, owner) => {
        await q
          .updateTable('credentials')
          .set({ revoked_at: nowIso() })
          .where('kind', '=', KIND)
          .where('user_id', '=', owner.userId)
          .where('revoked_at', 'is', null)
          .execute();
        await insertRow(
          q,
          {
            id: shown.id,
            kind: KIND,
            name: opts.name ?? 'login',
            public_key: hashToken(token),
            secret_enc: null,
            secret_hash: null,
            client_api: null,
          },
          owner,
        );
        await q.updateTable('credentials').set({ expires_at: expires }).where('id', '=', shown.id).execute();
      },
    };
  }

  /** Checks a username (or email) and password from source and issues a token replacing the user's earlier one; a refusal says why. */
  async login(
    login: string,
    password: string,
    source: string,
  ): Promise<{ principal: Principal; token: SessionToken } | { refused: LoginRefusal }> {
    const principal = await this.passwords.verify({ login, password }, source);
    if (!principal) return { refused: 'bad_credentials' };
    if (Number(principal.user.api_access ?? 1) !== 1) return { refused: 'no_api_access' };
    const issued = await this.issue({ name: 'login' });
    await this.store.tx((trx) => issued.save(trx, { accountId: principal.account.id, userId: principal.user.id }));
    return { principal, token: issued.shown };
  }

  /** The principal of a live, unexpired token from source; undefined otherwise. RateLimited while the source is locked. */
  async verify(token: string, source: string): Promise<Principal | undefined> {
    return this.throttle.attempt(source, `${KIND}:${source}`, async () => {
      const row = await this.store.db
        .selectFrom('credentials')
        .selectAll()
        .where('kind', '=', KIND)
        .where('public_key', '=', hashToken(token))
        .executeTakeFirst();
      if (!row || row.revoked_at || (row.expires_at && row.expires_at <= nowIso())) return undefined;
      return enabledPrincipal(this.store.db, row.account_id, row.user_id);
    });
  }

  /** Revokes a token given as the token itself or its id. */
  async revoke(tokenOrId: string): Promise<void> {
    const ref = /^[0-9a-f]{40}$/.test(tokenOrId) ? hashToken(tokenOrId) : tokenOrId;
    await revokeRow(this.store.db, KIND, ref, 'session token');
  }

  /** The account's session tokens, without the tokens. */
  async list(account: { id: string; name: string }): Promise<SessionTokenInfo[]> {
    return (await listRows(this.store.db, KIND, account.id)).map((r) => ({
      id: r.id,
      account: account.name,
      user: r.username,
      created: r.created,
      revoked: r.revoked,
    }));
  }
}
