/**
 * Per-user API keys (Danube's ES-API-KEY) and the callback key that signs the user's task callbacks: one live pair per
 * user, both stored encrypted under the master key (the owner may read them back), the API key also as a SHA-256 hash
 * that finds its row.
 */
import { randomBytes } from 'node:crypto';
import type { Q, Store } from '../../store/db.js';
import { notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { hashToken, type MasterKey } from '../accounts/secrets.js';
import type { Principal } from '../accounts/principal.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import type { IssueOptions, Issued, Issuer } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { insertRow, listRows, revokeRow } from './rows.js';

/** The issuer kind and the row kind of API keys. */
const KIND = 'user-api-key';
/** The row kind of callback keys. */
const CALLBACK_KIND = 'callback-key';

/** A user's API key and callback key, as shown to their owner. */
export interface UserApiKeys {
  apiKey: string;
  callbackKey: string;
}

/** A user's API key as listed: never the key. */
export interface UserApiKeyInfo {
  id: string;
  account: string;
  user: string;
  created: string;
  revoked: string | null;
}

/** A new random key: 40 lowercase hex characters. */
function newKey(): string {
  return randomBytes(20).toString('hex');
}

/** Issues, verifies, regenerates, reads back, revokes and lists users' API and callback keys. */
export class UserApiKeyIssuer implements Issuer<typeof KIND, UserApiKeys, string, Principal, UserApiKeyInfo> {
  readonly kind = KIND;

  constructor(
    private readonly store: Store,
    private readonly secrets: MasterKey,
    private readonly throttle: AuthThrottle,
  ) {}

  /** A new API key and callback key; save stores both for the owner user. */
  async issue(opts: IssueOptions): Promise<Issued<UserApiKeys>> {
    const shown: UserApiKeys = { apiKey: opts.given?.userApiKey ?? newKey(), callbackKey: newKey() };
    return { shown, save: (q, owner) => this.saveKeys(q, owner, shown, true, true) };
  }

  /** The principal of a live API key presented from source, or undefined. RateLimited while the source is locked. */
  async verify(apiKey: string, source: string): Promise<Principal | undefined> {
    return this.throttle.attempt(source, `${KIND}:${source}`, async () => {
      const row = await this.store.db
        .selectFrom('credentials')
        .select(['account_id', 'user_id', 'revoked_at'])
        .where('kind', '=', KIND)
        .where('public_key', '=', hashToken(apiKey))
        .executeTakeFirst();
      if (!row || row.revoked_at) return undefined;
      return enabledPrincipal(this.store.db, row.account_id, row.user_id);
    });
  }

  /** The user's live keys in clear (empty strings for a key never issued), for their owner and for signing callbacks. */
  async keysOf(userId: string): Promise<UserApiKeys> {
    const rows = await this.store.db
      .selectFrom('credentials')
      .select(['kind', 'secret_enc'])
      .where('user_id', '=', userId)
      .where('kind', 'in', [KIND, CALLBACK_KIND])
      .where('revoked_at', 'is', null)
      .execute();
    const of = (kind: string) => {
      const enc = rows.find((r) => r.kind === kind)?.secret_enc;
      return enc ? this.secrets.decrypt(enc) : '';
    };
    return { apiKey: of(KIND), callbackKey: of(CALLBACK_KIND) };
  }

  /** Replaces the user's API key and/or callback key with new ones (the old stop working at once); returns the keys now live. */
  async regenerate(owner: { accountId: string; userId: string }, which: { apiKey?: boolean; callbackKey?: boolean }) {
    const fresh: UserApiKeys = { apiKey: newKey(), callbackKey: newKey() };
    await this.store.tx((trx) => this.saveKeys(trx, owner, fresh, !!which.apiKey, !!which.callbackKey));
    return this.keysOf(owner.userId);
  }

  /** Revokes an API key given as the key or its row id. */
  async revoke(keyOrId: string): Promise<void> {
    const ref = /^[0-9a-f]{40}$/.test(keyOrId) ? hashToken(keyOrId) : keyOrId;
    await revokeRow(this.store.db, KIND, ref, 'API key');
  }

  /** The account's API keys, without the keys. */
  async list(account: { id: string; name: string }): Promise<UserApiKeyInfo[]> {
    return (await listRows(this.store.db, KIND, account.id)).map((r) => ({
      id: r.id,
      account: account.name,
      user: r.username,
      created: r.created,
      revoked: r.revoked,
    }));
  }

  /** Revokes the owner's live keys of the chosen kinds and stores the new ones. */
  private async saveKeys(
    q: Q,
    owner: { accountId: string; userId: string },
    keys: UserApiKeys,
    apiKey: boolean,
    callbackKey: boolean,
  ): Promise<void> {
    const kinds = [...(apiKey ? [KIND] : []), ...(callbackKey ? [CALLBACK_KIND] : [])];
    if (kinds.length === 0) return;
    const user = await q.selectFrom('users').select('id').where('id', '=', owner.userId).executeTakeFirst();
    if (!user) throw notFound('user', owner.userId, 'object');
    await q
      .updateTable('credentials')
      .set({ revoked_at: nowIso() })
      .where('user_id', '=', owner.userId)
      .where('kind', 'in', kinds)
      .where('revoked_at', 'is', null)
      .execute();
    if (apiKey)
      await insertRow(
        q,
        {
          id: newId(),
          kind: KIND,
          name: 'api_key',
          public_key: hashToken(keys.apiKey),
          secret_enc: this.secrets.encrypt(keys.apiKey),
          secret_hash: null,
          client_api: null,
        },
        owner,
      );
    if (callbackKey)
      await insertRow(
        q,
        {
          id: newId(),
          kind: CALLBACK_KIND,
          name: 'callback_key',
          public_key: newId(),
          secret_enc: this.secrets.encrypt(keys.callbackKey),
          secret_hash: null,
          client_api: null,
        },
        owner,
      );
  }
}
