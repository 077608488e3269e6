/** The CloudStack dialect's whole error mapping: every core error (kind and reason), the dialect's own failures and transport errors to CloudStack error codes and texts. */
import { CoreError, errorEntry, type ErrorTable } from '../../lib/errors.js';
import { ParamError } from './params.js';

/** A CloudStack error: HTTP status (= errorcode) and cserrorcode. */
export interface CsCode {
  errorcode: number;
  cserrorcode: number;
}

/** Bad, missing or conflicting input (CloudStack's PARAM_ERROR); also what CloudStack answers for missing and busy objects. */
export const PARAM_ERROR: CsCode = { errorcode: 431, cserrorcode: 4350 };

/** Missing or wrong credentials, a bad signature or an expired request. */
export const UNAUTHENTICATED: CsCode = { errorcode: 401, cserrorcode: 9999 };

/** Status of an unknown command (CloudStack's UNSUPPORTED_ACTION_ERROR). */
export const UNKNOWN_COMMAND: CsCode = { errorcode: 432, cserrorcode: 9999 };

/** CloudStack's INTERNAL_ERROR. */
const INTERNAL_ERROR: CsCode = { errorcode: 530, cserrorcode: 9999 };

/** The caller may not do this (ACCOUNT_ERROR). */
const ACCOUNT_ERROR: CsCode = { errorcode: 531, cserrorcode: 4365 };

/** CloudStack answers a ResourceAllocationException (a resource limit of the account) with RESOURCE_ALLOCATION_ERROR. */
const RESOURCE_ALLOCATION_ERROR: CsCode = { errorcode: 535, cserrorcode: 4370 };

/** RESOURCE_UNAVAILABLE_ERROR: a host or backend cannot be reached or cannot take the request. */
const RESOURCE_UNAVAILABLE_ERROR: CsCode = { errorcode: 533, cserrorcode: 4535 };

/** Too many attempts: HTTP 429. */
const TOO_MANY: CsCode = { errorcode: 429, cserrorcode: 9999 };

/** How one core error is answered: its codes, and `hide` when its message is replaced by the internal-error text with the request id. */
export interface CsMapping extends CsCode {
  hide?: true;
}

/** Every core error (kind and reason) to its CloudStack codes; total, so a new kind or reason fails to compile until mapped. */
export const CS_ERRORS: ErrorTable<CsMapping> = {
  NotFound: { object: PARAM_ERROR, vm: PARAM_ERROR },
  Invalid: { bad_input: PARAM_ERROR },
  Conflict: {
    busy: PARAM_ERROR,
    wrong_state: PARAM_ERROR,
    exists: PARAM_ERROR,
    in_use: PARAM_ERROR,
    gone: PARAM_ERROR,
    cancelled: PARAM_ERROR,
    precondition: PARAM_ERROR,
  },
  Forbidden: { denied: ACCOUNT_ERROR, permission: ACCOUNT_ERROR },
  Unauthenticated: { bad_credentials: UNAUTHENTICATED },
  QuotaExceeded: {
    limit: RESOURCE_ALLOCATION_ERROR,
    balance: RESOURCE_ALLOCATION_ERROR,
    exhausted: RESOURCE_ALLOCATION_ERROR,
  },
  RateLimited: { throttled: TOO_MANY },
  Unavailable: {
    unreachable: RESOURCE_UNAVAILABLE_ERROR,
    no_capacity: RESOURCE_UNAVAILABLE_ERROR,
    not_configured: RESOURCE_UNAVAILABLE_ERROR,
    database: RESOURCE_UNAVAILABLE_ERROR,
  },
  Timeout: { still_running: INTERNAL_ERROR },
  Internal: { unexpected: { ...INTERNAL_ERROR, hide: true }, failed: INTERNAL_ERROR },
};

/** A failure the dialect raises itself (signature, unknown command, parameter limits), with its codes. */
export class CsFailure extends Error {
  constructor(
    readonly code: CsCode,
    message: string,
  ) {
    super(message);
  }
}

/** The body of a CloudStack error answer (inside `<command>response`). */
export interface CsErrorBody {
  uuidList: never[];
  errorcode: number;
  cserrorcode: number;
  errortext: string;
}

/** A failed request's answer: HTTP status, body, the seconds for Retry-After when the core gave them, and whether it was an unexpected exception (to be logged). */
export interface CsErrorAnswer {
  status: number;
  body: CsErrorBody;
  retryAfterSec?: number;
  unexpected: boolean;
}

/** The text that stands for an unexpected exception: no details, only the request id to find it in the log. */
export function internalErrorText(requestId: string): string {
  return `Internal error executing command, please contact your system administrator (request ${requestId})`;
}

/**
 * The answer for anything thrown while serving a request: the dialect's failures, bad parameters, core errors (by
 * kind and reason), Fastify's own client errors (oversize or malformed bodies); anything else is an internal error
 * without details.
 */
export function csError(err: unknown, requestId: string): CsErrorAnswer {
  if (err instanceof CsFailure) return answer(err.code, err.message);
  if (err instanceof ParamError) return answer(PARAM_ERROR, err.message);
  if (err instanceof CoreError) {
    const m = errorEntry(CS_ERRORS, err);
    const a = answer(m, m.hide ? internalErrorText(requestId) : err.message);
    return err.retryAfterSec !== undefined ? { ...a, retryAfterSec: err.retryAfterSec } : a;
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 413) return answer(PARAM_ERROR, 'Request body is too large (at most 1 MB)');
  if (status && status < 500) return answer(PARAM_ERROR, `Malformed request: ${(err as Error).message}`);
  return { ...answer(INTERNAL_ERROR, internalErrorText(requestId)), unexpected: true };
}

/** The result code and text of a failed async job: 431 where the error maps to PARAM_ERROR, 530 otherwise; the message as stored. */
export function csJobError(err: CoreError | null): { errorcode: number; errortext: string } {
  const code =
    err && errorEntry(CS_ERRORS, err).errorcode === PARAM_ERROR.errorcode
      ? PARAM_ERROR.errorcode
      : INTERNAL_ERROR.errorcode;
  return { errorcode: code, errortext: err?.message ?? 'Job failed' };
}

function answer(code: CsCode, errortext: string): CsErrorAnswer {
  return {
    status: code.errorcode,
    body: { uuidList: [], errorcode: code.errorcode, cserrorcode: code.cserrorcode, errortext },
    unexpected: false,
  };
}
