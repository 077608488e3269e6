/** CloudSigma 1.0 error map: every core error kind to the seed's status codes, with `errors:<field> <message>` bodies. */
import type { ErrorKind } from '../../lib/errors.js';
import { CoreError } from '../../lib/errors.js';
import { CodecError, encodeRecord } from './text-codec.js';

/** HTTP status per core error kind (seed section 5); total, so a new kind fails to compile until mapped. */
export const SIGMA_STATUS: Record<ErrorKind, number> = {
  Invalid: 400,
  NotFound: 404,
  Conflict: 409,
  Forbidden: 400,
  Unauthenticated: 401,
  QuotaExceeded: 400,
  RateLimited: 429,
  Unavailable: 500,
  Timeout: 504,
  Internal: 500,
};

/** A failure carrying its own status, for transport errors the core never sees (405, 401, bad bodies). */
export class SigmaFailure extends Error {
  constructor(readonly status: number, message: string, readonly field?: string) { super(message); }
}

/** The status and text body for anything thrown by a handler (with the seconds for Retry-After when the core gave them); unknown exceptions become 500 without details. */
export function sigmaError(err: unknown, requestId: string): { status: number; body: string; internal: boolean; retryAfterSec?: number } {
  if (err instanceof SigmaFailure) return { status: err.status, body: errorBody(err.message, err.field), internal: false };
  if (err instanceof CodecError) return { status: 400, body: errorBody(err.message, err.field), internal: false };
  if (err instanceof CoreError) {
    const status = SIGMA_STATUS[err.kind];
    const fields = Object.entries(err.fields);
    if (err.kind === 'Internal' && err.message === 'Internal error') {
      return { status, body: errorBody(`Internal error (request ${requestId})`), internal: true };
    }
    if (fields.length) {
      const lines: Record<string, string> = {};
      for (const [f, msgs] of fields) lines[`errors:${f}`] = msgs.join('; ');
      return { status, body: encodeRecord(lines), internal: false };
    }
    return { status, body: errorBody(err.message), internal: false, ...(err.retryAfterSec !== undefined ? { retryAfterSec: err.retryAfterSec } : {}) };
  }
  return { status: 500, body: errorBody(`Internal error (request ${requestId})`), internal: true };
}

/** `errors:<field> <message>`, or `errors: <message>` when no field is to blame. */
export function errorBody(message: string, field?: string): string {
  const text = message.replace(/[\r\n]+/g, ' ');
  return field ? `errors:${field} ${text}\n` : `errors: ${text}\n`;
}
