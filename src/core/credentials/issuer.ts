/** The contract of one credential kind, so that a new dialect's credential is one more issuer and no change elsewhere. */
import type { Q } from '../../store/db.js';

/** Whom a credential is issued to. */
export interface Owner {
  accountId: string;
  userId: string;
}

/** A credential just made: the secret material shown once, and how its stored form (hashed or encrypted) is saved. */
export interface Issued<Shown> {
  shown: Shown;
  /** Saves the stored form in the caller's transaction (hashing is done before, never while a transaction is open). */
  save(q: Q, owner: Owner): Promise<void>;
}

/** What issuing may be told: the credential's name, for issuers of passwords a chosen password, and whether it is a new account's default credential. */
export interface IssueOptions {
  name?: string;
  password?: string;
  /** True when issued with a new account (Credentials.issueDefaults); an issuer may then give it fuller rights. */
  accountDefault?: boolean;
  /** Values chosen by the operator instead of generated ones; each issuer takes the ones of its kind. */
  given?: GivenCredentials;
}

/**
 * Credential values an operator fixes (seed file, NUBE_ADMIN_*) so test suites can hard-code them; their shape is
 * checked where they are read.
 */
export interface GivenCredentials {
  /** CloudStack API key and secret. */
  apiKey?: string;
  apiSecret?: string;
  /** CVM token pair. */
  tokenPublic?: string;
  tokenPrivate?: string;
  /** Danube user API key. */
  userApiKey?: string;
  /** The secret part (40 letters and digits) of the REST API token. */
  restToken?: string;
}

/** One kind of credential: issues it, verifies one presented from a source address, revokes it and lists it without secrets. */
export interface Issuer<
  Kind extends string,
  Shown,
  Presented,
  Verified,
  Info,
  Options extends IssueOptions = IssueOptions,
> {
  readonly kind: Kind;
  /** Makes a new credential; nothing is stored until its save runs. */
  issue(opts: Options): Promise<Issued<Shown>>;
  /** The principal behind a presented credential, or undefined; RateLimited while the failure throttle locks source or login. */
  verify(presented: Presented, source: string): Promise<Verified | undefined>;
  /** Revokes a credential by its public part or id; NotFound when no live one matches. */
  revoke(ref: string): Promise<void>;
  /** The account's credentials of this kind, never with their secrets. */
  list(account: { id: string; name: string }): Promise<Info[]>;
}

/** What an issuer shows once when it issues. */
export type ShownOf<I> = I extends Issuer<string, infer S, never, unknown, unknown, never> ? S : never;
