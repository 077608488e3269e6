/** Typed business errors: a closed set of kinds, each with a closed set of reasons, that every dialect maps totally; no HTTP status lives here. Any layer may throw them. */

/** The closed set of error kinds; adding one breaks every dialect's error map until it is handled. */
export type ErrorKind =
  | 'NotFound'
  | 'Invalid'
  | 'Conflict'
  | 'Forbidden'
  | 'Unauthenticated'
  | 'QuotaExceeded'
  | 'RateLimited'
  | 'Unavailable'
  | 'Timeout'
  | 'Internal';

/** Every kind, for exhaustive tests of the dialect error maps. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  'NotFound',
  'Invalid',
  'Conflict',
  'Forbidden',
  'Unauthenticated',
  'QuotaExceeded',
  'RateLimited',
  'Unavailable',
  'Timeout',
  'Internal',
];

/**
 * Why an error of each kind happened: the closed reasons of every kind, each with a short label for the error-map
 * documentation. Dialects tell "already exists" from "busy" from "wrong state" by reason, never by message; adding a
 * reason breaks every dialect's error map until it is handled. The first reason of a kind is its default, given to
 * errors stored before reasons existed.
 */
export const REASONS_BY_KIND = {
  NotFound: {
    /** Any object other than a virtual machine does not exist, is removed, or is another account's. */
    object: 'no such object',
    /** The virtual machine the call names does not exist, is removed, or is another account's. */
    vm: 'no such virtual machine',
  },
  Invalid: {
    /** A value, or a combination of values, of the request cannot be accepted; the fields say which. */
    bad_input: 'bad input',
  },
  Conflict: {
    /** Another operation runs on the object (or raced this call); the same call succeeds once it has finished. */
    busy: 'busy with another operation',
    /** The object is in a state that does not allow the call (e.g. the VM must be stopped first). */
    wrong_state: 'wrong state',
    /** An object with this name or key already exists, or the change is already made. */
    exists: 'already exists',
    /** The object is used by another (attached, referenced, a member) and must be freed first. */
    in_use: 'in use',
    /** The object was removed while the call or its task was running. */
    gone: 'removed meanwhile',
    /** The task carrying out the call was cancelled (REVOKED) before it finished. */
    cancelled: 'task cancelled',
    /** Something the call needs is missing (e.g. a VM definition without a disk cannot be deployed). */
    precondition: 'a prerequisite is missing',
  },
  Forbidden: {
    /** The caller may not do this, or may not see this object's details. */
    denied: 'not allowed',
    /** The credential lacks the permission the call needs (a token scope, an IAM operation); details name it. */
    permission: 'missing permission',
  },
  Unauthenticated: {
    /** Credentials are missing, wrong, revoked or expired. */
    bad_credentials: 'bad credentials',
  },
  QuotaExceeded: {
    /** A resource limit of the account would be exceeded. */
    limit: 'account limit',
    /** The account's balance cannot pay for the purchase. */
    balance: 'insufficient balance',
    /** A shared pool (the addresses of a network) has nothing left. */
    exhausted: 'pool exhausted',
  },
  RateLimited: {
    /** Too many attempts from one source or for one login, or too many checks at once: try again after retryAfterSec. */
    throttled: 'too many attempts',
  },
  Unavailable: {
    /** A host the call needs cannot be reached. */
    unreachable: 'host unreachable',
    /** No host can take the virtual machine (capacity or placement rules). */
    no_capacity: 'no capacity',
    /** Something the call needs (a zone, an offering, a template, volume storage) is not configured. */
    not_configured: 'not configured',
    /** The database cannot be reached; the call may be sent again shortly. */
    database: 'database unavailable',
  },
  Timeout: {
    /** The operation did not finish within the wait; it goes on in the background. */
    still_running: 'still running',
  },
  Internal: {
    /** An unexpected exception: its details are hidden from the caller (the message is only "Internal error"). */
    unexpected: 'unexpected exception',
    /** An operation failed for a cause its message states (a driver fault, a task given up). */
    failed: 'operation failed',
  },
} as const satisfies { readonly [K in ErrorKind]: Readonly<Record<string, string>> };

/** The reasons of each kind, as types. */
type Reasons = { [K in ErrorKind]: keyof (typeof REASONS_BY_KIND)[K] & string };

/** The reasons an error of kind K may carry (a union over the kinds when K is one). */
export type ReasonOf<K extends ErrorKind> = Reasons[K];

/** Any reason of any kind. */
export type ErrorReason = ReasonOf<ErrorKind>;

/** Every (kind, reason) pair, for exhaustive tests and documentation of the dialect error maps. */
export const ERROR_PAIRS: ReadonlyArray<{ kind: ErrorKind; reason: ErrorReason }> = ERROR_KINDS.flatMap((kind) =>
  Object.keys(REASONS_BY_KIND[kind]).map((reason) => ({ kind, reason: reason as ErrorReason })),
);

/** A dialect's total error map: one entry per kind and reason, so a new kind or reason fails to compile until it is mapped. */
export type ErrorTable<T> = { readonly [K in ErrorKind]: { readonly [R in ReasonOf<K>]: T } };

/** The entry of a total error table for this error's kind and reason (the kind's default reason if a cast smuggled in a foreign one). */
export function errorEntry<T>(table: ErrorTable<T>, err: CoreError): T {
  const byReason = table[err.kind] as Readonly<Record<string, T>>;
  return Object.hasOwn(byReason, err.reason) ? byReason[err.reason]! : byReason[defaultReason(err.kind)]!;
}

/** True when reason is one of kind's reasons. */
function isReasonOf<K extends ErrorKind>(kind: K, reason: unknown): reason is ReasonOf<K> {
  return typeof reason === 'string' && Object.hasOwn(REASONS_BY_KIND[kind], reason);
}

/** A core error as stored with a failed task (tasks.error column, JSON text). */
export interface StoredError {
  kind: ErrorKind;
  reason: ErrorReason;
  message: string;
  fields: Record<string, string[]>;
}

/** The constructor arguments of a CoreError: a kind, one of its reasons, the message and (for Invalid) the fields. */
export type CoreErrorArgs = {
  [K in ErrorKind]: [kind: K, reason: ReasonOf<K>, message: string, fields?: Record<string, string[]>];
}[ErrorKind];

/** A business error with a kind, a reason within the kind, a user-facing message and, for Invalid, the offending fields. */
export class CoreError extends Error {
  /** What went wrong, in the coarse terms every dialect maps. */
  readonly kind: ErrorKind;
  /** Why, within the kind (always one of REASONS_BY_KIND[kind]). */
  readonly reason: ErrorReason;
  /** For Invalid: the offending fields and their messages. */
  readonly fields: Record<string, string[]>;
  /** For RateLimited (and Unavailable when known): seconds after which the caller may try again. */
  retryAfterSec?: number;

  constructor(...[kind, reason, message, fields = {}]: CoreErrorArgs) {
    super(message);
    this.name = 'CoreError';
    this.kind = kind;
    this.reason = reason;
    this.fields = fields;
  }

  /** A JSON-safe form stored with failed tasks. */
  toJSON(): StoredError {
    return { kind: this.kind, reason: this.reason, message: this.message, fields: this.fields };
  }

  /** Rebuilds an error stored by toJSON; a row stored before reasons existed (or with an unknown one) gets its kind's default reason. */
  static fromJSON(v: {
    kind?: string;
    reason?: string;
    message?: string;
    fields?: Record<string, string[]>;
  }): CoreError {
    const kind = (ERROR_KINDS as readonly string[]).includes(v.kind ?? '') ? (v.kind as ErrorKind) : 'Internal';
    const reason = isReasonOf(kind, v.reason) ? v.reason : defaultReason(kind);
    return new CoreError(...([kind, reason, v.message ?? 'Internal error', v.fields ?? {}] as CoreErrorArgs));
  }
}

/** The first (default) reason of a kind. */
function defaultReason(kind: ErrorKind): ErrorReason {
  return Object.keys(REASONS_BY_KIND[kind])[0] as ErrorReason;
}

/** "Not found" for an object of type what; also what another account's object looks like. */
export function notFound(what: string, id: string | undefined, reason: ReasonOf<'NotFound'>): CoreError {
  return new CoreError('NotFound', reason, id ? `${what} ${id} not found` : `${what} not found`);
}

/** Invalid input, optionally naming the field. */
export function invalid(message: string, field?: string): CoreError {
  return new CoreError('Invalid', 'bad_input', message, field ? { [field]: [message] } : {});
}

/** The object is busy, in the wrong state, in use, already exists or went away: the reason says which. */
export function conflict(message: string, reason: ReasonOf<'Conflict'>): CoreError {
  return new CoreError('Conflict', reason, message);
}

/** The caller may not do this. */
export function forbidden(message: string): CoreError {
  return new CoreError('Forbidden', 'denied', message);
}

/** A host or something else the call needs cannot be reached or is missing: the reason says which. */
export function unavailable(message: string, reason: ReasonOf<'Unavailable'>): CoreError {
  return new CoreError('Unavailable', reason, message);
}

/** The caller's limits, balance or a shared pool would be exceeded: the reason says which. */
export function quotaExceeded(message: string, reason: ReasonOf<'QuotaExceeded'>): CoreError {
  return new CoreError('QuotaExceeded', reason, message);
}

/** Too many attempts (e.g. failed logins) from one source or for one login: try again after retryAfterSec. */
export function rateLimited(message: string, retryAfterSec: number): CoreError {
  const e = new CoreError('RateLimited', 'throttled', message);
  e.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
  return e;
}

/** The operation did not finish within the wait and goes on in the background. */
export function timedOut(message: string): CoreError {
  return new CoreError('Timeout', 'still_running', message);
}

/** An operation failed for a cause its message states (shown to the caller, unlike an unexpected exception). */
export function operationFailed(message: string): CoreError {
  return new CoreError('Internal', 'failed', message);
}

/** Coerces anything thrown into a CoreError; unknown exceptions become Internal without their details. */
export function asCoreError(err: unknown): CoreError {
  if (err instanceof CoreError) return err;
  return unexpectedError();
}

/** An unexpected exception as the caller sees it: Internal, without details. */
function unexpectedError(): CoreError {
  return new CoreError('Internal', 'unexpected', 'Internal error');
}

/**
 * The database cannot be reached (refused, lost, shutting down, out of connections): what the store throws for an
 * outage. Dialects answer it as any Unavailable; the task engine retries the task once the database is back instead
 * of recording a failure.
 */
export class DatabaseUnavailable extends CoreError {
  constructor() {
    super('Unavailable', 'database', 'The database is unavailable; try again shortly');
    this.retryAfterSec = 5;
  }
}

/** True when err is the store's "database unavailable" error. */
export function isDatabaseUnavailable(err: unknown): err is DatabaseUnavailable {
  return err instanceof DatabaseUnavailable;
}
