/** API key pairs (CloudStack): a public key that identifies and a secret that signs, stored encrypted under the master key. */
import type { Store } from '../../store/db.js';
import type { CredentialRow } from '../../store/schema.js';
import { newId, randomToken } from '../../lib/util.js';
import type { MasterKey } from '../accounts/secrets.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import type { Principal } from '../accounts/principal.js';
import type { IssueOptions, Issued, Issuer } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { insertRow, listRows, revokeRow } from './rows.js';

/** The issuer kind of API key pairs. */
const KIND = 'api-key-pair';
/** credentials.kind of their rows (the value stored since they were first issued). */
const ROW_KIND = 'cloudstack';

/** A new key pair; its secret exists only in this value. */
export interface KeyPair {
  id: string;
  key: string;
  secret: string;
}

/** A request signed with a key: the key, and a check of the signature with the key's secret. */
export interface SignedRequest {
  key: string;
  check(secret: string): boolean;
}

/** A key pair as listed: never with its secret. */
export interface KeyPairInfo {
  id: string;
  account: string;
  user: string;
  key: string;
  name: string;
  created: string;
  revoked: string | null;
}

/** Verified against when an API key is unknown, so that unknown and known keys take the same work. */
const NO_SUCH_KEY_SECRET = randomToken(30);

/** Issues, verifies, revokes and lists API key pairs. */
export class ApiKeyPairIssuer implements Issuer<typeof KIND, KeyPair, SignedRequest, Principal, KeyPairInfo> {
  readonly kind = KIND;
  private secretCache = new Map<string, { principal: Principal; secret: string; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly secrets: MasterKey,
    private readonly throttle: AuthThrottle,
  ) {}

  /** A new key pair, named opts.name ('key' unless given). */
  async issue(opts: IssueOptions): Promise<Issued<KeyPair>> {
    const shown: KeyPair = { id: newId(), key: randomToken(30), secret: randomToken(30) };
    const secretEnc = this.secrets.encrypt(shown.secret);
    return {
      shown,
      save: (q, owner) =>
        insertRow(
          q,
          {
            id: shown.id,
            kind: ROW_KIND,
            name: opts.name ?? 'key',
            public_key: shown.key,
            secret_enc: secretEnc,
            secret_hash: null,
            client_api: null,
          },
          owner,
        ),
    };
  }

  /**
   * The principal of a request from source whose signature the key's secret checks; undefined for an unknown, revoked or
   * disabled key or a wrong signature (an unknown key is checked against a throw-away secret, so both take the same
   * work). RateLimited while the source or the key is locked by the failure throttle.
   */
  async verify(req: SignedRequest, source: string): Promise<Principal | undefined> {
    return this.throttle.attempt(source, `${KIND}:${req.key}`, async () => {
      const found = await this.secretOf(req.key);
      const ok = req.check(found?.secret ?? NO_SUCH_KEY_SECRET);
      return found && ok ? found.principal : undefined;
    });
  }

  /** Revokes a key pair by its API key or id; later requests signed with it are refused. */
  async revoke(keyOrId: string): Promise<void> {
    await revokeRow(this.store.db, ROW_KIND, keyOrId, 'key pair');
    this.secretCache.clear();
  }

  /** Drops every cached secret: after the state was replaced (reset, load) no key pair is trusted from memory. */
  forgetSecrets(): void {
    this.secretCache.clear();
  }

  /** The account's key pairs, without secrets. */
  async list(account: { id: string; name: string }): Promise<KeyPairInfo[]> {
    return (await listRows(this.store.db, ROW_KIND, account.id)).map((r) => ({
      id: r.id,
      account: account.name,
      user: r.username,
      key: r.publicKey,
      name: r.name,
      created: r.created,
      revoked: r.revoked,
    }));
  }

  /** Resolves an API key to its principal and decrypted secret (cached for two seconds). */
  private async secretOf(key: string): Promise<{ principal: Principal; secret: string } | undefined> {
    const hit = this.secretCache.get(key);
    if (hit && Date.now() - hit.at < 2000) return hit;
    const cred: CredentialRow | undefined = await this.store.db
      .selectFrom('credentials')
      .selectAll()
      .where('kind', '=', ROW_KIND)
      .where('public_key', '=', key)
      .executeTakeFirst();
    if (!cred || cred.revoked_at || !cred.secret_enc) return undefined;
    const principal = await enabledPrincipal(this.store.db, cred.account_id, cred.user_id);
    if (!principal) return undefined;
    const entry = { principal, secret: this.secrets.decrypt(cred.secret_enc), at: Date.now() };
    if (this.secretCache.size > 10000) this.secretCache.clear();
    this.secretCache.set(key, entry);
    return entry;
  }
}
