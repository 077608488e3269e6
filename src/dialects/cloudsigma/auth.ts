/** HTTP Basic authentication with the user's email and password, successful checks cached briefly (scrypt is slow). */
import { createHash } from 'node:crypto';
import type { Core } from '../../core/core.js';
import type { Principal } from '../../core/accounts/service.js';

/** How long a successful check is trusted without running scrypt again. */
const CACHE_MS = 30_000;
/** Most cached logins; the oldest is dropped beyond this. */
const CACHE_MAX = 1000;

/** Checks Basic credentials; undefined when missing or wrong. */
export class BasicAuth {
  private cache = new Map<string, { principal: Principal; at: number }>();

  constructor(private readonly core: Core) {}

  /** The principal behind an Authorization header, or undefined. */
  async check(header: string | undefined): Promise<Principal | undefined> {
    const creds = parseBasic(header);
    if (!creds) return undefined;
    const key = createHash('sha256').update(creds.user).update('\0').update(creds.password).digest('hex');
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.principal;
    this.cache.delete(key);
    const principal = await this.core.accounts.checkPassword(creds.user, creds.password);
    if (!principal) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { principal, at: Date.now() });
    return principal;
  }
}

/** Splits `Basic base64(user:password)`; undefined when malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]{1,1024})[ \t]*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = text.indexOf(':');
  if (at <= 0) return undefined;
  return { user: text.slice(0, at), password: text.slice(at + 1) };
}
