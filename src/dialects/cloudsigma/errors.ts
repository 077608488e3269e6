/** CloudSigma 1.0's whole error mapping: every core error (kind and reason), the dialect's own failures and transport errors to the seed's status codes, with `errors:<field> <message>` bodies. */
import { CoreError, errorEntry, type ErrorTable } from '../../lib/errors.js';
import { CodecError, encodeRecord } from '../../lib/sigma-text.js';

/** How one core error is answered: its HTTP status, and `hide` when its message is replaced by the internal-error text with the request id. */
export interface SigmaMapping {
  status: number;
  hide?: true;
}

/** A system error: CloudSigma 1.0 has no 503, its table answers 500. */
const SYSTEM_ERROR: SigmaMapping = { status: 500 };

/** Every core error (kind and reason) to its status (seed section 5); total, so a new kind or reason fails to compile until mapped. */
export const SIGMA_ERRORS: ErrorTable<SigmaMapping> = {
  Invalid: { bad_input: { status: 400 } },
  NotFound: { object: { status: 404 }, vm: { status: 404 } },
  Conflict: {
    busy: { status: 409 },
    wrong_state: { status: 409 },
    exists: { status: 409 },
    in_use: { status: 409 },
    gone: { status: 409 },
    cancelled: { status: 409 },
    precondition: { status: 409 },
  },
  Forbidden: { denied: { status: 400 }, permission: { status: 403 } },
  Unauthenticated: { bad_credentials: { status: 401 } },
  QuotaExceeded: { limit: { status: 400 }, balance: { status: 400 }, exhausted: { status: 400 } },
  RateLimited: { throttled: { status: 429 } },
  Unavailable: {
    unreachable: SYSTEM_ERROR,
    no_capacity: SYSTEM_ERROR,
    not_configured: SYSTEM_ERROR,
    database: SYSTEM_ERROR,
  },
  Timeout: { still_running: { status: 504 } },
  Internal: { unexpected: { status: 500, hide: true }, failed: { status: 500 } },
};

/** Core field names of the non-VM resources (server groups, subscriptions, static IPs) as CloudSigma 1.0 names them. */
const RESOURCE_FIELD_NAMES: Readonly<Record<string, string>> = {
  vmIds: 'server:0',
  start: 'start_time',
  zoneId: 'zoneid',
};

/** Core field names (Nube's words) to the keys CloudSigma names in `errors:<key>` lines; a field not listed keeps its name. */
export const SIGMA_FIELD_NAMES: Readonly<Record<string, string>> = {
  // VMs (servers) and their NICs
  cpuMhz: 'cpu',
  memoryMb: 'mem',
  cpuCount: 'smp',
  drives: 'drive',
  macAddress: 'nic:0:mac',
  zoneId: 'zoneid',
  // volumes (drives)
  sizeBytes: 'size',
  length: 'size',
  // server groups, subscriptions, static IPs
  ...RESOURCE_FIELD_NAMES,
};

/** A failure carrying its own status, for transport errors the core never sees (405, 401, bad bodies). */
export class SigmaFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A failed request's answer: status, text body, whether it was an unexpected exception (to be logged), and the seconds for Retry-After when the core gave them. */
export interface SigmaErrorAnswer {
  status: number;
  body: string;
  internal: boolean;
  retryAfterSec?: number;
}

/** The status and text body for anything thrown by a handler (with the seconds for Retry-After when the core gave them); unknown exceptions become 500 without details. */
export function sigmaError(err: unknown, requestId: string): SigmaErrorAnswer {
  if (err instanceof SigmaFailure)
    return { status: err.status, body: errorBody(err.message, err.field), internal: false };
  if (err instanceof CodecError) return { status: 400, body: errorBody(err.message, err.field), internal: false };
  if (err instanceof CoreError) {
    const { status, hide } = errorEntry(SIGMA_ERRORS, err);
    const fields = Object.entries(err.fields);
    if (hide) return { status, body: errorBody(internalErrorText(requestId)), internal: true };
    if (fields.length) {
      const lines: Record<string, string> = {};
      for (const [f, msgs] of fields)
        lines[`errors:${Object.hasOwn(SIGMA_FIELD_NAMES, f) ? SIGMA_FIELD_NAMES[f] : f}`] = msgs.join('; ');
      return { status, body: encodeRecord(lines), internal: false };
    }
    return {
      status,
      body: errorBody(err.message),
      internal: false,
      ...(err.retryAfterSec !== undefined ? { retryAfterSec: err.retryAfterSec } : {}),
    };
  }
  return { status: 500, body: errorBody(internalErrorText(requestId)), internal: true };
}

/** The answer for an error Fastify raises before a handler runs (oversize or malformed body: 400); anything else is 500 without details. */
export function sigmaRequestError(
  err: Error & { statusCode?: number },
  requestId: string,
  bodyLimit: number,
): SigmaErrorAnswer {
  const client = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500;
  const text =
    err.statusCode === 413
      ? `The request body is too large (at most ${bodyLimit} bytes here)`
      : client
        ? `Malformed request: ${err.message}`
        : internalErrorText(requestId);
  return { status: client ? 400 : 500, body: errorBody(text), internal: !client };
}

/** The text that stands for an unexpected exception: no details, only the request id to find it in the log. */
function internalErrorText(requestId: string): string {
  return `Internal error (request ${requestId})`;
}

/** `errors:<field> <message>`, or `errors: <message>` when no field is to blame. */
export function errorBody(message: string, field?: string): string {
  const text = message.replace(/[\r\n]+/g, ' ');
  return field ? `errors:${field} ${text}\n` : `errors: ${text}\n`;
}
