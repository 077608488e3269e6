/** The dialect kit's one way to build a CallContext, so every dialect hands core the same caller fields. */
import type { Principal } from '../../core/accounts/principal.js';
import type { CallContext } from '../../lib/context.js';
import { labelAccount } from '../../http/request-labels.js';

/**
 * The call context of a request made by principal, recorded with tasks under origin (e.g. "cvm:vps/start"); the access
 * log names the account from it. A principal restricted to IAM operations carries them into the context, so the core's
 * guard checks every call against them and against operation, the IAM operation the request performs.
 */
export function contextFor(
  principal: Principal,
  request: { id: string },
  origin: string,
  operation?: string,
): CallContext {
  const { account, user } = principal;
  labelAccount(request, account.name);
  return {
    accountId: account.id,
    accountName: account.name,
    userId: user.id,
    isAdmin: account.type === 'admin',
    requestId: request.id,
    origin,
    ...(principal.operations ? { operations: principal.operations } : {}),
    ...(operation !== undefined ? { operation } : {}),
  };
}
