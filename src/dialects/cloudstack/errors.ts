/** The CloudStack dialect's total map from core error kinds to CloudStack error codes. */
import type { ErrorKind } from '../../lib/errors.js';

/** HTTP status (= errorcode) and cserrorcode per core error kind. */
export const CS_ERRORS: Record<ErrorKind, { errorcode: number; cserrorcode: number }> = {
  NotFound: { errorcode: 431, cserrorcode: 4350 },
  Invalid: { errorcode: 431, cserrorcode: 4350 },
  Conflict: { errorcode: 431, cserrorcode: 4350 },
  Forbidden: { errorcode: 531, cserrorcode: 4365 },
  Unauthenticated: { errorcode: 401, cserrorcode: 9999 },
  /** CloudStack answers a ResourceAllocationException (a resource limit of the account) with RESOURCE_ALLOCATION_ERROR. */
  QuotaExceeded: { errorcode: 535, cserrorcode: 4370 },
  RateLimited: { errorcode: 429, cserrorcode: 9999 },
  Unavailable: { errorcode: 533, cserrorcode: 4535 },
  Timeout: { errorcode: 530, cserrorcode: 9999 },
  Internal: { errorcode: 530, cserrorcode: 9999 },
};

/** Status of an unknown command (CloudStack's UNSUPPORTED_ACTION_ERROR). */
export const UNKNOWN_COMMAND = { errorcode: 432, cserrorcode: 9999 };
