/**
 * API key pairs (CloudStack): a public key that identifies and a secret that signs, stored encrypted under the master
 * key; a key made by createApiKey may be restricted to IAM operations (core/iam), which its principal carries.
 */
import type { Store } from '../../store/db.js';
import type { CredentialRow } from '../../store/schema.js';
import { newId, parseJson, randomToken } from '../../lib/util.js';
import type { MasterKey } from '../accounts/secrets.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import type { Principal } from '../accounts/principal.js';
import type { IssueOptions, Issued, Issuer } from './issuer.js';
import { enabledPrincipal } from './principals.js';
import { insertRow, listRows, revokeRow } from './rows.js';
import { LookupMemo } from './memo.js';

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

/** A random key or secret that never begins with '-', which command lines (ours, cs, curl) would read as an option. */
function argumentSafeToken(): string {
  for (;;) {
    const t = randomToken(30);
    if (!t.startsWith('-')) return t;
  }
}

/** Issues, verifies, revokes and lists API key pairs. */
export class ApiKeyPairIssuer implements Issuer<typeof KIND, KeyPair, SignedRequest, Principal, KeyPairInfo> {
  readonly kind = KIND;
  private readonly lookups: LookupMemo<{ principal: Principal; secret: string }>;

  constructor(
    private readonly store: Store,
    private readonly secrets: MasterKey,
    private readonly throttle: AuthThrottle,
  ) {
    this.lookups = new LookupMemo(store);
  }

  /** A new key pair, named opts.name ('key' unless given). */
  async issue(opts: IssueOptions): Promise<Issued<KeyPair>> {
    const shown: KeyPair = {
      id: newId(),
      key: opts.given?.apiKey ?? argumentSafeToken(),
      secret: opts.given?.apiSecret ?? argumentSafeToken(),
    };
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

  /**
   * verify without waiting, for a request's synchronous fast path: the principal when the key's lookup is cached under
   * the identity version known now (read after since), nothing locks the key or source, and the signature checks;
   * undefined means "use verify", which gives the authoritative answer and counts a failure.
   */
  verifyNow(req: SignedRequest, source: string, since?: number): Principal | undefined {
    const login = `${KIND}:${req.key}`;
    if (!this.throttle.allows(source, login)) return undefined;
    const found = this.lookups.peek(req.key, since);
    if (!found || !req.check(found.secret)) return undefined;
    this.throttle.succeeded(source, login);
    return found.principal;
  }

  /** Revokes a key pair by its API key or id; later requests signed with it are refused. */
  async revoke(keyOrId: string): Promise<void> {
    await revokeRow(this.store.db, ROW_KIND, keyOrId, 'key pair');
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

  /** The IAM operations a key created by createApiKey is restricted to; undefined for an unrestricted key. */
  private async operationsOf(credentialId: string): Promise<ReadonlySet<string> | undefined> {
    const row = await this.store.db
      .selectFrom('iam_api_keys')
      .select('operations')
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    if (!row || row.operations === null) return undefined;
    const ops = parseJson<unknown>(row.operations, []);
    return new Set(Array.isArray(ops) ? ops.filter((o): o is string => typeof o === 'string') : []);
  }

  /** Resolves an API key to its principal (with the operations an IAM key is restricted to) and decrypted secret (kept while the data version holds). */
  private secretOf(key: string): Promise<{ principal: Principal; secret: string } | undefined> {
    return this.lookups.get(key, async () => {
      const cred: CredentialRow | undefined = await this.store.db
        .selectFrom('credentials')
        .selectAll()
        .where('kind', '=', ROW_KIND)
        .where('public_key', '=', key)
        .executeTakeFirst();
      if (!cred || cred.revoked_at || !cred.secret_enc) return undefined;
      const principal = await enabledPrincipal(this.store.db, cred.account_id, cred.user_id);
      if (!principal) return undefined;
      const operations = await this.operationsOf(cred.id);
      return {
        principal: operations ? { ...principal, operations } : principal,
        secret: this.secrets.decrypt(cred.secret_enc),
      };
    });
  }
}
