/** The Danube dialect's whole error map: every core error (kind and reason) and Fastify's own errors to Danube's answers. */
import type { FastifyError } from 'fastify';
import { CoreError, errorEntry, type ErrorTable } from '../../lib/errors.js';
import { DanubeHttpError, type DanubeAnswer } from './answers.js';

/** How one core error is answered: a {detail} with this status (the core message unless text is given), or a FAILURE envelope. */
export interface DanubeMapping {
  status: number;
  text?: string;
  failure?: true;
  warn?: true;
}

/** Every core error (kind and reason) to its Danube answer; total, so a new kind or reason fails to compile until mapped. */
export const DANUBE_ERRORS: ErrorTable<DanubeMapping> = {
  NotFound: { object: { status: 404 }, vm: { status: 404, text: 'VM not found' } },
  Invalid: { bad_input: { status: 400, failure: true } },
  Conflict: {
    busy: { status: 409 },
    wrong_state: { status: 423 },
    exists: { status: 406 },
    in_use: { status: 428 },
    gone: { status: 404 },
    cancelled: { status: 410 },
    precondition: { status: 428 },
  },
  Forbidden: {
    denied: { status: 403, text: 'You do not have permission to perform this action.' },
    permission: { status: 403, text: 'You do not have permission to perform this action.' },
  },
  Unauthenticated: { bad_credentials: { status: 403 } },
  QuotaExceeded: { limit: { status: 417 }, balance: { status: 417 }, exhausted: { status: 428 } },
  RateLimited: { throttled: { status: 429 } },
  Unavailable: {
    unreachable: { status: 423, text: 'Node is not operational' },
    no_capacity: { status: 428, text: 'Cannot find node with free resources' },
    not_configured: { status: 503 },
    database: { status: 503, warn: true },
  },
  Timeout: { still_running: { status: 504 } },
  Internal: { unexpected: { status: 500, warn: true }, failed: { status: 400, failure: true, warn: true } },
};

/** Core field names as Danube's parameters call them. */
const DANUBE_FIELD_NAMES: Readonly<Record<string, string>> = {
  cpuCount: 'vcpus',
  memoryMb: 'ram',
  name: 'hostname',
  displayName: 'alias',
  templateId: 'template',
  zoneId: 'dc',
  networkId: 'net',
  ipAddress: 'ip',
  macAddress: 'mac',
  sizeMb: 'size',
  sshKeyName: 'title',
};

/** A failed call's answer and how it is logged. */
export interface DanubeFailure {
  answer: DanubeAnswer;
  log?: 'warn' | 'error';
}

/** The FAILURE result of an Invalid core error: its fields under Danube's names, or non_field_errors. */
function failureResult(err: CoreError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [f, msgs] of Object.entries(err.fields)) out[DANUBE_FIELD_NAMES[f] ?? f] = msgs;
  if (Object.keys(out).length === 0) out.non_field_errors = [err.message];
  return out;
}

/** The answer for anything thrown by a Danube call: Danube's own answers, core errors, Fastify's errors, or 500 without details. */
export function danubeFailure(err: FastifyError | Error, requestId: string): DanubeFailure {
  if (err instanceof DanubeHttpError) return { answer: err.answer };
  if (err instanceof CoreError) {
    const m = errorEntry(DANUBE_ERRORS, err);
    const headers: Record<string, string> =
      err.retryAfterSec !== undefined ? { 'retry-after': String(err.retryAfterSec) } : {};
    const body = m.failure
      ? { status: 'FAILURE', result: err.kind === 'Invalid' ? failureResult(err) : err.message, task_id: null }
      : err.kind === 'RateLimited'
        ? { detail: `Request was throttled. Expected available in ${err.retryAfterSec ?? 60} seconds.` }
        : { detail: m.text ?? err.message };
    return { answer: { status: m.status, body, headers }, ...(m.warn ? { log: 'warn' as const } : {}) };
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { answer: { status: 415, body: { detail: 'Unsupported media type in request.' } } };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { answer: { status: 413, body: { detail: 'Request body is too large.' } } };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
    return { answer: { status: 400, body: { detail: `Malformed request - ${fe.message}` } } };
  return {
    answer: { status: 500, body: { detail: `Internal Server Error (request ${requestId})` } },
    log: 'error',
  };
}
