/**
 * The credentials registry: one issuer per credential kind. Adding a dialect's credential is one issuer file and one
 * line in makeIssuers; account creation issues every default credential through here and knows no dialect.
 */
import type { Q, Store } from '../../store/db.js';
import type { AccountRow } from '../../store/schema.js';
import { notFound } from '../../lib/errors.js';
import type { MasterKey } from '../accounts/secrets.js';
import type { AuthThrottle } from '../accounts/throttle.js';
import { ApiKeyPairIssuer } from './api-key-pair.js';
import { PasswordIssuer } from './password.js';
import { TokenPairIssuer } from './token-pair.js';
import { SessionTokenIssuer } from './session-token.js';
import { UserApiKeyIssuer } from './user-api-key.js';
import { ApiTokenIssuer } from './api-token.js';
import type { GivenCredentials, Issued, Owner, ShownOf } from './issuer.js';

/** Every issuer, by kind; each issues one default credential to a new account. */
function makeIssuers(store: Store, secrets: MasterKey, throttle: AuthThrottle) {
  const password = new PasswordIssuer(store, throttle);
  return {
    password,
    'api-key-pair': new ApiKeyPairIssuer(store, secrets, throttle),
    'token-pair': new TokenPairIssuer(store, throttle),
    'user-api-key': new UserApiKeyIssuer(store, secrets, throttle),
    'session-token': new SessionTokenIssuer(store, throttle, password),
    'api-token': new ApiTokenIssuer(store, throttle),
  };
}

/** The issuers by kind. */
export type Issuers = ReturnType<typeof makeIssuers>;

/** A credential kind. */
export type CredentialKind = keyof Issuers;

/** The kinds a new account gets one of (issuers marked byDefault false, such as login tokens, are issued later). */
export type DefaultKind = {
  [K in CredentialKind]: Issuers[K] extends { byDefault: false } ? never : K;
}[CredentialKind];

/** Credentials keyed by issuer kind, each as shown once. */
export type IssuedCredentials = { [K in CredentialKind]: ShownOf<Issuers[K]> };

/** A new account's default credentials, keyed by issuer kind. */
export type DefaultCredentials = Pick<IssuedCredentials, DefaultKind>;

/** What issuing a kind takes. */
type IssueOptionsOf<K extends CredentialKind> = Parameters<Issuers[K]['issue']>[0];

/** The issuers seen by what they issue, a view in which a kind picked at run time keeps its types. */
type Issuing = { [K in CredentialKind]: { issue(opts: IssueOptionsOf<K>): Promise<Issued<IssuedCredentials[K]>> } };

/** What listing a kind gives. */
type ListedOf<K extends CredentialKind> = Awaited<ReturnType<Issuers[K]['list']>>;

/** The issuers seen by what they list. */
type Listing = { [K in CredentialKind]: { list(account: { id: string; name: string }): Promise<ListedOf<K>> } };

/** A new account's default credentials ready to save in its creation transaction. */
export interface PendingDefaults {
  shown: DefaultCredentials;
  save(q: Q, owner: Owner): Promise<void>;
}

/** Issues, verifies, revokes and lists credentials of every kind. */
export class Credentials {
  readonly issuers: Issuers;

  constructor(
    private readonly store: Store,
    secrets: MasterKey,
    throttle: AuthThrottle,
  ) {
    this.issuers = makeIssuers(store, secrets, throttle);
  }

  /** Issues every kind's default credential, named 'default' and marked accountDefault (opts.password and opts.given are chosen values, if any). */
  async issueDefaults(opts: { password?: string; given?: GivenCredentials }): Promise<PendingDefaults> {
    const kinds = (Object.keys(this.issuers) as CredentialKind[]).filter(
      (k) => (this.issuers[k] as { byDefault?: boolean }).byDefault !== false,
    );
    const issued = await Promise.all(
      kinds.map((k) =>
        this.issuers[k].issue({ name: 'default', password: opts.password, accountDefault: true, given: opts.given }),
      ),
    );
    const shown = Object.fromEntries(kinds.map((k, i) => [k, issued[i]!.shown])) as DefaultCredentials;
    return {
      shown,
      async save(q, owner) {
        for (const i of issued) await i.save(q, owner);
      },
    };
  }

  /** Issues one more credential of a kind to a user of the named account (its first user unless opts.username names one). */
  async issueTo<K extends CredentialKind>(
    kind: K,
    accountName: string,
    opts: IssueOptionsOf<K> & { username?: string },
  ): Promise<{ account: AccountRow; shown: IssuedCredentials[K] }> {
    const account = await this.account(accountName);
    let uq = this.store.db.selectFrom('users').selectAll().where('account_id', '=', account.id);
    if (opts.username) uq = uq.where('username', '=', opts.username);
    const user = await uq.orderBy('created_at').executeTakeFirst();
    if (!user) throw notFound('user', opts.username ?? '(none)', 'object');
    const issuing: Issuing = this.issuers;
    const issued = await issuing[kind].issue(opts);
    await issued.save(this.store.db, { accountId: account.id, userId: user.id });
    return { account, shown: issued.shown };
  }

  /** The named account's credentials of a kind, never with secrets. */
  async list<K extends CredentialKind>(kind: K, accountName: string): Promise<ListedOf<K>> {
    const account = await this.account(accountName);
    const listing: Listing = this.issuers;
    return listing[kind].list(account);
  }

  private async account(name: string): Promise<AccountRow> {
    const a = await this.store.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    if (!a) throw notFound('account', name, 'object');
    return a;
  }
}
