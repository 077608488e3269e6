/** The CVM dialect's total map from core error kinds to HTTP statuses; bodies are always {"errors": [message]}. */
import type { ErrorKind } from '../../lib/errors.js';

/** HTTP status per core error kind (CVM answers refused or failed power calls with 500 and an unreachable node with 503). */
export const CVM_ERRORS: Record<ErrorKind, number> = {
  NotFound: 404,
  Invalid: 422,
  Conflict: 500,
  Forbidden: 403,
  Unauthenticated: 401,
  QuotaExceeded: 403,
  RateLimited: 429,
  Unavailable: 503,
  Timeout: 504,
  Internal: 500,
};

/** CVM's text for a missing, unknown or wrong token pair (401). */
export const NO_VALID_PAIR = 'No valid API token pair was specified.';

/** CVM's text for a valid pair without client API access (403). */
export const NO_CLIENT_ACCESS = 'The specified API token pair does not have access to this API.';

/** CVM's text for a VPS that does not exist or belongs to someone else (404). */
export const NO_SUCH_VPS = 'The specified VPS ID does not exist or is not accessible to this user.';
