/** The CVM dialect's whole error mapping: every core error (kind and reason) and Fastify's own errors to HTTP statuses; bodies are always {"errors": [message]}. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, errorEntry, type ErrorTable } from '../../lib/errors.js';

/** CVM's text for a missing, unknown or wrong token pair (401). */
export const NO_VALID_PAIR = 'No valid API token pair was specified.';

/** CVM's text for a valid pair without client API access (403). */
export const NO_CLIENT_ACCESS = 'The specified API token pair does not have access to this API.';

/** CVM's text for a VPS that does not exist or belongs to someone else (404). */
export const NO_SUCH_VPS = 'The specified VPS ID does not exist or is not accessible to this user.';

/** CVM's text for an id in the path that is not a number (404). */
export const NO_SUCH_ID = 'The specified ID does not exist.';

/** How one core error is answered: its status, `text` when CVM has its own words for it, `warn` when it is logged. */
export interface CvmMapping {
  status: number;
  text?: string;
  warn?: true;
}

/** CVM answers refused or failed power calls with 500 and an unreachable node with 503. */
const REFUSED: CvmMapping = { status: 500 };
const UNAVAILABLE: CvmMapping = { status: 503 };

/** Every core error (kind and reason) to its status; total, so a new kind or reason fails to compile until mapped. */
export const CVM_ERRORS: ErrorTable<CvmMapping> = {
  NotFound: { object: { status: 404 }, vm: { status: 404, text: NO_SUCH_VPS } },
  Invalid: { bad_input: { status: 422 } },
  Conflict: {
    busy: REFUSED,
    wrong_state: REFUSED,
    exists: REFUSED,
    in_use: REFUSED,
    gone: REFUSED,
    cancelled: REFUSED,
    precondition: REFUSED,
  },
  Forbidden: { denied: { status: 403 }, permission: { status: 403 } },
  Unauthenticated: { bad_credentials: { status: 401 } },
  QuotaExceeded: { limit: { status: 403 }, balance: { status: 403 }, exhausted: { status: 403 } },
  RateLimited: { throttled: { status: 429 } },
  Unavailable: {
    unreachable: UNAVAILABLE,
    no_capacity: UNAVAILABLE,
    not_configured: UNAVAILABLE,
    database: UNAVAILABLE,
  },
  Timeout: { still_running: { status: 504 } },
  Internal: { unexpected: { status: 500, warn: true }, failed: { status: 500, warn: true } },
};

/** A failed call's answer: status, body, the seconds for Retry-After when the core gave them, and how it is logged. */
export interface CvmErrorAnswer {
  status: number;
  body: { errors: string[] };
  retryAfterSec?: number;
  log?: 'warn' | 'error';
}

/** The answer for anything thrown by a call: core errors by kind and reason, Fastify's client errors (a non-numeric id is 404, a bad body 422); anything else is 500 without details. */
export function cvmError(
  err: Error & { statusCode?: number; validation?: unknown; validationContext?: string },
  requestId: string,
): CvmErrorAnswer {
  if (err instanceof CoreError) {
    const m = errorEntry(CVM_ERRORS, err);
    return {
      status: m.status,
      body: { errors: [m.text ?? err.message] },
      ...(m.warn ? { log: 'warn' as const } : {}),
      ...(err.retryAfterSec !== undefined ? { retryAfterSec: err.retryAfterSec } : {}),
    };
  }
  if (err.validation && err.validationContext === 'params') return { status: 404, body: { errors: [NO_SUCH_ID] } };
  if (err.statusCode && err.statusCode < 500)
    return { status: err.validation ? 422 : err.statusCode, body: { errors: [err.message] } };
  return { status: 500, body: { errors: [`Internal error (request ${requestId})`] }, log: 'error' };
}

/** The dialect's error handler: answers as cvmError says, logging failed calls and unexpected exceptions. */
export function cvmErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = cvmError(err, req.id);
  if (e.log === 'warn') req.log.warn({ err: err.message }, 'cvm call failed');
  if (e.log === 'error') req.log.error({ err }, 'cvm request failed');
  if (e.retryAfterSec !== undefined) reply.header('retry-after', String(e.retryAfterSec));
  return reply.code(e.status).type('application/json').send(e.body);
}
