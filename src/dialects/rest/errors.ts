/** The REST dialect's whole error map: every core error (kind and reason) and Fastify's own errors to DanubeData's answers. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, errorEntry, type ErrorTable } from '../../lib/errors.js';

/** Laravel's answer to a missing or bad token (401). */
export const UNAUTHENTICATED = 'Unauthenticated.';

/** Laravel's summary line of a validation failure (422). */
export const INVALID_DATA = 'The given data was invalid.';

/** How one core error is answered: the status, and `error` when the body is {error} (refused state changes, conflicts) rather than {message}. */
export interface RestMapping {
  status: number;
  error?: true;
  text?: string;
  warn?: true;
}

/** Every core error (kind and reason) to its REST answer; total, so a new kind or reason fails to compile until mapped. */
export const REST_ERRORS: ErrorTable<RestMapping> = {
  NotFound: { object: { status: 404 }, vm: { status: 404, text: 'VPS instance not found.' } },
  Invalid: { bad_input: { status: 422 } },
  Conflict: {
    busy: { status: 409, error: true },
    wrong_state: { status: 422, error: true },
    exists: { status: 409, error: true },
    in_use: { status: 422, error: true },
    gone: { status: 404 },
    cancelled: { status: 409, error: true },
    precondition: { status: 422, error: true },
  },
  Forbidden: { denied: { status: 403 }, permission: { status: 403 } },
  Unauthenticated: { bad_credentials: { status: 401, text: UNAUTHENTICATED } },
  QuotaExceeded: { limit: { status: 403 }, balance: { status: 402 }, exhausted: { status: 409, error: true } },
  RateLimited: { throttled: { status: 429, text: 'Too Many Requests' } },
  Unavailable: {
    unreachable: { status: 503, warn: true },
    no_capacity: { status: 503, warn: true },
    not_configured: { status: 503 },
    database: { status: 503, warn: true },
  },
  Timeout: { still_running: { status: 504 } },
  Internal: { unexpected: { status: 500, warn: true }, failed: { status: 500, error: true, warn: true } },
};

/** Core field names as the REST API's bodies call them. */
const REST_FIELD_NAMES: Readonly<Record<string, string>> = {
  templateId: 'image',
  offeringId: 'resource_profile',
  zoneId: 'datacenter',
  userData: 'custom_cloud_init',
  sshKeyName: 'ssh_key_id',
  publicKey: 'public_key',
  displayName: 'name',
  vmId: 'vps_instance_id',
  note: 'description',
};

/** A failed call's answer: status, body, Retry-After seconds when known, and how it is logged. */
export interface RestErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfterSec?: number;
  log?: 'warn' | 'error';
}

/** The "field" an ajv error names: the missing property, else the last segment of its path, else "body". */
function fieldOf(e: { instancePath?: string; params?: Record<string, unknown> }): string {
  const missing = e.params?.missingProperty;
  if (typeof missing === 'string') return missing;
  const extra = e.params?.additionalProperty;
  if (typeof extra === 'string') return extra;
  const parts = (e.instancePath ?? '').split('/').filter(Boolean);
  return parts.length ? parts.join('.') : 'body';
}

/** Laravel-style message of one schema error ("The name field is required."). */
function ajvMessage(
  field: string,
  e: { keyword?: string; message?: string; params?: Record<string, unknown> },
): string {
  const label = field.replace(/_/g, ' ');
  switch (e.keyword) {
    case 'required':
      return `The ${label} field is required.`;
    case 'type':
      return `The ${label} field must be ${e.params?.type === 'string' ? 'a string' : `of type ${String(e.params?.type)}`}.`;
    case 'minLength':
      return `The ${label} field must be at least ${String(e.params?.limit)} characters.`;
    case 'maxLength':
      return `The ${label} field must not be greater than ${String(e.params?.limit)} characters.`;
    case 'enum':
      return `The selected ${label} is invalid.`;
    case 'pattern':
    case 'format':
      return `The ${label} field format is invalid.`;
    case 'minimum':
      return `The ${label} field must be at least ${String(e.params?.limit)}.`;
    case 'maximum':
      return `The ${label} field must not be greater than ${String(e.params?.limit)}.`;
    case 'additionalProperties':
      return `The ${label} field is prohibited.`;
    default:
      return `The ${label} field ${e.message ?? 'is invalid'}.`;
  }
}

/** A 422 answer from fields → messages. */
export function invalidAnswer(fields: Record<string, string[]>): {
  status: 422;
  body: { message: string; errors: Record<string, string[]> };
} {
  const first = Object.values(fields)[0]?.[0];
  return { status: 422, body: { message: first ?? INVALID_DATA, errors: fields } };
}

/** The answer for anything thrown by a call: core errors by kind and reason, schema failures as 422, a bad id as 404; anything else 500 without details. */
export function restError(
  err: Error & { statusCode?: number; validation?: unknown; validationContext?: string; code?: string },
  requestId: string,
): RestErrorAnswer {
  if (err instanceof CoreError) {
    const m = errorEntry(REST_ERRORS, err);
    const text = m.text ?? err.message;
    const extra = err.retryAfterSec !== undefined ? { retryAfterSec: err.retryAfterSec } : {};
    const log = m.warn ? { log: 'warn' as const } : {};
    if (err.kind === 'Invalid') {
      const fields: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(err.fields)) fields[REST_FIELD_NAMES[k] ?? k] = v;
      if (Object.keys(fields).length === 0) fields.body = [err.message];
      return { ...invalidAnswer(fields), ...extra };
    }
    if (err.kind === 'Internal' && err.reason === 'unexpected')
      return { status: 500, body: { message: `Server Error (request ${requestId})` }, log: 'warn' };
    if (err.kind === 'RateLimited')
      return { status: 429, body: { message: text, retry_after: err.retryAfterSec ?? 60 }, ...extra };
    return { status: m.status, body: m.error ? { error: text } : { message: text }, ...extra, ...log };
  }
  const validation = err.validation as
    Array<{ instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }> | undefined;
  if (validation) {
    if (err.validationContext === 'params') return { status: 404, body: { message: 'Resource not found.' } };
    const fields: Record<string, string[]> = {};
    for (const e of validation) {
      const f = fieldOf(e);
      (fields[f] ??= []).push(ajvMessage(f, e));
    }
    return invalidAnswer(fields);
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { status: 415, body: { message: 'Requests with a body must be sent as application/json.' } };
  if (
    err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    err instanceof SyntaxError
  )
    return { status: 400, body: { message: 'The request body is not valid JSON.' } };
  if (err.statusCode && err.statusCode < 500) return { status: err.statusCode, body: { message: err.message } };
  return { status: 500, body: { message: `Server Error (request ${requestId})` }, log: 'error' };
}

/** The dialect's error handler: answers as restError says, logging failed calls and unexpected exceptions; the body is sent
 * serialized, so no route's response schema (a 422 of {error, status}, say) can turn an error answer into a 500. */
export function restErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = restError(err, req.id);
  if (e.log === 'warn') req.log.warn({ err: err.message }, 'rest call failed');
  if (e.log === 'error') req.log.error({ err }, 'rest request failed');
  if (e.retryAfterSec !== undefined) reply.header('retry-after', String(e.retryAfterSec));
  return reply.code(e.status).type('application/json').send(JSON.stringify(e.body));
}
