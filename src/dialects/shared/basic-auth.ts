/**
 * HTTP Basic authentication with a user's login and password, shared by every dialect that accepts them in the
 * Authorization header. A successful scrypt check is remembered by a hash of the header and re-validated against the
 * user's row on every use. Only successes are remembered, keyed by the whole header: a wrong password or an unknown
 * login always costs one full check in core (the same for both), so the cache tells nothing about which logins exist.
 * The core's failure throttle applies to cached and uncached checks alike.
 */
import { hashToken } from '../../core/accounts/secrets.js';
import type { Core } from '../../core/core.js';
import type { Principal } from '../../core/accounts/principal.js';
import { SharedRuns } from '../../lib/shared-runs.js';

/** The user and password of a Basic Authorization header. */
export interface BasicCredentials {
  user: string;
  password: string;
}

/** Splits `Basic base64(user:password)` (scheme case-insensitive, payload at most 1024 characters); undefined when missing or malformed. */
function parseBasic(header: string | undefined): BasicCredentials | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]{1,1024})[ \t]*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = text.indexOf(':');
  if (at <= 0) return undefined;
  return { user: text.slice(0, at), password: text.slice(at + 1) };
}

/** How long a successful check is remembered (each use still checks that the user, its password hash and its account are unchanged). */
const CACHE_MS = 5 * 60_000;
/** Most remembered logins; the least recently used is dropped beyond this. */
const CACHE_MAX = 1000;

/** What is remembered of a successful check: never the password, only the hash it matched. */
interface Verified {
  login: string;
  userId: string;
  passwordHash: string;
  at: number;
}

/** Checks Basic credentials; undefined when missing or wrong. */
export class BasicAuth {
  private cache = new Map<string, Verified>();
  /** Full checks under way by header and source: the same credentials sent at once from one address share one scrypt. */
  private readonly checking = new SharedRuns<Principal | undefined>();

  constructor(private readonly core: Core) {}

  /** The principal behind an Authorization header sent from source (the client's address), or undefined; RateLimited while the throttle locks the source or login. */
  async check(header: string | undefined, source: string): Promise<Principal | undefined> {
    if (header === undefined) return undefined;
    // Looked up before the header is parsed: only a header that was parsed and verified before is ever found.
    const key = hashToken(header);
    const hit = this.cache.get(key);
    if (hit) {
      // Moved to the newest end before the recheck awaits: requests with the same header that arrive meanwhile still find
      // it (taking it out until the recheck ended sent each of them to a full scrypt check).
      this.cache.delete(key);
      if (Date.now() - hit.at < CACHE_MS) {
        this.cache.set(key, hit);
        const principal = await this.core.credentials.issuers.password.recheck(
          hit.login,
          hit.userId,
          hit.passwordHash,
          source,
        );
        if (principal) return principal;
        if (this.cache.get(key) === hit) this.cache.delete(key);
      }
    }
    const creds = parseBasic(header);
    if (!creds) return undefined;
    return this.checking.run(`${key}\n${source}`, () => this.verify(key, creds, source));
  }

  /**
   * check without waiting, for a request's synchronous fast path: the principal of a remembered header whose user row is
   * cached under the identity version known now (read after since); undefined means "use check", which answers for
   * every other case (a new or wrong header, a changed user, a lock of the throttle).
   */
  checkNow(header: string | undefined, source: string, since?: number): Principal | undefined {
    if (header === undefined) return undefined;
    const key = hashToken(header);
    const hit = this.cache.get(key);
    if (!hit || Date.now() - hit.at >= CACHE_MS) return undefined;
    const principal = this.core.credentials.issuers.password.recheckNow(
      hit.login,
      hit.userId,
      hit.passwordHash,
      source,
      since,
    );
    if (principal) {
      // The newest end, as check does: a login in use is the last one dropped.
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return principal;
  }

  /** One full check (scrypt in core, counted by its throttle); a success is remembered under key. */
  private async verify(
    key: string,
    creds: { user: string; password: string },
    source: string,
  ): Promise<Principal | undefined> {
    const principal = await this.core.credentials.issuers.password.verify(
      { login: creds.user, password: creds.password },
      source,
    );
    if (!principal) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, {
      login: creds.user,
      userId: principal.user.id,
      passwordHash: principal.user.password_hash,
      at: Date.now(),
    });
    return principal;
  }
}
