/** The API-token issuer as the token page uses it: issue for the signed-in user, list the account's tokens, revoke one. */
import type { Core } from '../../../core/core.js';
import type { Role } from '../../../core/permissions.js';

/** A token just made, shown once. */
export interface NewApiToken {
  token: string;
  id: number;
  name: string;
  permissions: string[];
  expiresAt: string | null;
}

/** A token as listed, without its secret. */
export interface ListedApiToken {
  id: number;
  name: string;
  permissions: string[];
  lastUsedAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** What the page needs of core.credentials.issuers['api-token']. */
export interface ApiTokens {
  issueFor(
    owner: { accountId: string; userId: string },
    opts: { name: string; permissions?: string[]; role?: Role; expiresAt?: string },
  ): Promise<NewApiToken>;
  list(account: { id: string; name: string }): Promise<ListedApiToken[]>;
  revokeOwned(accountId: string, id: number): Promise<void>;
}

/** The core's API-token issuer. */
export function apiTokens(core: Core): ApiTokens {
  return core.credentials.issuers['api-token'];
}
