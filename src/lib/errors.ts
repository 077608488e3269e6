/** Typed business errors: a closed set of kinds every dialect maps totally; no HTTP status lives here. Any layer may throw them. */

/** The closed set of error kinds; adding one breaks every dialect's error map until it is handled. */
export type ErrorKind =
  | 'NotFound' | 'Invalid' | 'Conflict' | 'Forbidden' | 'Unauthenticated'
  | 'QuotaExceeded' | 'RateLimited' | 'Unavailable' | 'Timeout' | 'Internal';

/** Every kind, for exhaustive tests of the dialect error maps. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  'NotFound', 'Invalid', 'Conflict', 'Forbidden', 'Unauthenticated', 'QuotaExceeded', 'RateLimited', 'Unavailable', 'Timeout', 'Internal',
];

/** A business error with a kind, a user-facing message and, for Invalid, the offending fields. */
export class CoreError extends Error {
  /** For RateLimited (and Unavailable when known): seconds after which the caller may try again. */
  retryAfterSec?: number;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'CoreError';
  }

  /** A JSON-safe form stored with failed tasks. */
  toJSON(): { kind: ErrorKind; message: string; fields: Record<string, string[]> } {
    return { kind: this.kind, message: this.message, fields: this.fields };
  }

  /** Rebuilds an error stored by toJSON. */
  static fromJSON(v: { kind?: string; message?: string; fields?: Record<string, string[]> }): CoreError {
    const kind = (ERROR_KINDS as readonly string[]).includes(v.kind ?? '') ? (v.kind as ErrorKind) : 'Internal';
    return new CoreError(kind, v.message ?? 'Internal error', v.fields ?? {});
  }
}

/** "Not found" for an object of type what; also what another account's object looks like. */
export function notFound(what: string, id?: string): CoreError {
  return new CoreError('NotFound', id ? `${what} ${id} not found` : `${what} not found`);
}

/** Invalid input, optionally naming the field. */
export function invalid(message: string, field?: string): CoreError {
  return new CoreError('Invalid', message, field ? { [field]: [message] } : {});
}

/** The object is busy or in the wrong state for this call. */
export function conflict(message: string): CoreError {
  return new CoreError('Conflict', message);
}

/** The caller may not do this. */
export function forbidden(message: string): CoreError {
  return new CoreError('Forbidden', message);
}

/** A host or backend cannot be reached. */
export function unavailable(message: string): CoreError {
  return new CoreError('Unavailable', message);
}

/** The caller's limits would be exceeded. */
export function quotaExceeded(message: string): CoreError {
  return new CoreError('QuotaExceeded', message);
}

/** Too many attempts (e.g. failed logins) from one source or for one login: try again after retryAfterSec. */
export function rateLimited(message: string, retryAfterSec: number): CoreError {
  const e = new CoreError('RateLimited', message);
  e.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
  return e;
}

/** Coerces anything thrown into a CoreError; unknown exceptions become Internal without their details. */
export function asCoreError(err: unknown): CoreError {
  if (err instanceof CoreError) return err;
  return new CoreError('Internal', 'Internal error');
}

/**
 * The database cannot be reached (refused, lost, shutting down, out of connections): what the store throws for an
 * outage. Dialects answer it as any Unavailable; the task engine retries the task once the database is back instead
 * of recording a failure.
 */
export class DatabaseUnavailable extends CoreError {
  constructor() {
    super('Unavailable', 'The database is unavailable; try again shortly');
    this.retryAfterSec = 5;
  }
}

/** True when err is the store's "database unavailable" error. */
export function isDatabaseUnavailable(err: unknown): err is DatabaseUnavailable {
  return err instanceof DatabaseUnavailable;
}
