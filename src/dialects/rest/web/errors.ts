/**
 * The token pages' error map: every core error (kind and reason) to an HTTP status, with bodies in the REST API's
 * Laravel style ({message} or {message, errors} for 422); Fastify's own client errors keep their status.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, errorEntry, type ErrorTable } from '../../../lib/errors.js';

/** Laravel's message for a request that failed validation. */
export const INVALID_DATA = 'The given data was invalid.';

/** Laravel's message for a request without a valid session. */
export const UNAUTHENTICATED = 'Unauthenticated.';

/** How one core error is answered: its status and, when the core's message is not shown, the text shown instead. */
interface WebMapping {
  status: number;
  text?: string;
}

const REFUSED: WebMapping = { status: 409 };
const UNAVAILABLE: WebMapping = { status: 503 };
const HIDDEN: WebMapping = { status: 500, text: 'Server Error' };

/** Every core error (kind and reason) to its answer; total, so a new kind or reason fails to compile until mapped. */
const WEB_ERRORS: ErrorTable<WebMapping> = {
  NotFound: { object: { status: 404 }, vm: { status: 404 } },
  Invalid: { bad_input: { status: 422, text: INVALID_DATA } },
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
  Unauthenticated: { bad_credentials: { status: 401, text: UNAUTHENTICATED } },
  QuotaExceeded: { limit: { status: 403 }, balance: { status: 403 }, exhausted: { status: 403 } },
  RateLimited: { throttled: { status: 429, text: 'Too Many Requests' } },
  Unavailable: {
    unreachable: UNAVAILABLE,
    no_capacity: UNAVAILABLE,
    not_configured: UNAVAILABLE,
    database: UNAVAILABLE,
  },
  Timeout: { still_running: { status: 504 } },
  Internal: { unexpected: HIDDEN, failed: HIDDEN },
};

/** The status and JSON body for anything a token-page handler threw (an unknown exception is a 500 without details). */
function webError(err: FastifyError | Error): { status: number; body: Record<string, unknown> } {
  if (err instanceof CoreError) {
    const m = errorEntry(WEB_ERRORS, err);
    const body: Record<string, unknown> = { message: m.text ?? err.message };
    if (err.kind === 'Invalid') body.errors = err.fields;
    if (err.retryAfterSec !== undefined) body.retry_after = err.retryAfterSec;
    return { status: m.status, body };
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return { status, body: { message: err.message } };
  return { status: 500, body: { message: 'Server Error' } };
}

/** The token pages' error handler: logs unexpected errors, answers JSON, sets Retry-After when the core gave it. */
export function webErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = webError(err);
  if (status >= 500) req.log.error({ err }, 'token page error');
  if (err instanceof CoreError && err.retryAfterSec !== undefined) reply.header('retry-after', err.retryAfterSec);
  return reply.code(status).type('application/json').send(body);
}
