/** The admin API's whole error mapping: every core error (kind and reason) and Fastify's own errors to HTTP statuses and {"error": ...} bodies. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, errorEntry, type ErrorTable } from '../../lib/errors.js';

/** Every core error (kind and reason) to its HTTP status; total, so a new kind or reason fails to compile until mapped. */
export const ADMIN_STATUS: ErrorTable<number> = {
  NotFound: { object: 404, vm: 404 },
  Invalid: { bad_input: 400 },
  Conflict: { busy: 409, wrong_state: 409, exists: 409, in_use: 409, gone: 409, cancelled: 409, precondition: 409 },
  Forbidden: { denied: 403, permission: 403 },
  Unauthenticated: { bad_credentials: 401 },
  QuotaExceeded: { limit: 403, balance: 403, exhausted: 403 },
  RateLimited: { throttled: 429 },
  Unavailable: { unreachable: 503, no_capacity: 503, not_configured: 503, database: 503 },
  Timeout: { still_running: 504 },
  Internal: { unexpected: 500, failed: 500 },
};

/** Core field names of the operator resources (hosts, faults) as the admin API's bodies name them. */
const RESOURCE_FIELD_NAMES: Readonly<Record<string, string>> = { vmId: 'vm_id' };

/** Every core field name this API spells differently; fields not listed keep the core's name. */
const FIELD_NAMES: Readonly<Record<string, string>> = { ...RESOURCE_FIELD_NAMES };

/** The core error's fields under this API's names. */
function adminFields(fields: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(fields).map(([f, msgs]) => [Object.hasOwn(FIELD_NAMES, f) ? FIELD_NAMES[f]! : f, msgs]),
  );
}

/** A failed call's answer: status, JSON body, the seconds for Retry-After when the core gave them, and whether it was an unexpected exception (to be logged). */
export interface AdminErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfterSec?: number;
  unexpected: boolean;
}

/** The answer for anything thrown by a call: core errors with their message and fields, Fastify's client errors with their message; anything else is 500 with the request id and no details. */
export function adminError(err: Error & { statusCode?: number }, requestId: string): AdminErrorAnswer {
  if (err instanceof CoreError) {
    const answer = {
      status: errorEntry(ADMIN_STATUS, err),
      body: { error: err.message, fields: adminFields(err.fields) },
      unexpected: false,
    };
    return err.retryAfterSec !== undefined ? { ...answer, retryAfterSec: err.retryAfterSec } : answer;
  }
  if (err.statusCode && err.statusCode < 500)
    return { status: err.statusCode, body: { error: err.message }, unexpected: false };
  return { status: 500, body: { error: 'Internal error', request_id: requestId }, unexpected: true };
}

/** The admin API's error handler: answers as adminError says and logs unexpected exceptions. */
export function adminErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = adminError(err, req.id);
  if (e.unexpected) req.log.error({ err }, 'admin request failed');
  if (e.retryAfterSec !== undefined) reply.header('retry-after', String(e.retryAfterSec));
  return reply.code(e.status).send(e.body);
}
