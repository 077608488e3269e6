/** The dialect kit's one way to build a CallContext, so every dialect hands core the same caller fields. */
import type { Principal } from '../../core/accounts/principal.js';
import type { CallContext } from '../../lib/context.js';

/** The call context of a request (only its id is read) made by principal, recorded with tasks under origin (e.g. "cvm:vps/start"). */
export function contextFor(principal: Principal, request: { id: string }, origin: string): CallContext {
  const { account, user } = principal;
  return {
    accountId: account.id,
    accountName: account.name,
    userId: user.id,
    isAdmin: account.type === 'admin',
    requestId: request.id,
    origin,
  };
}
