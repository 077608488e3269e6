/** What a chaos rule and a sim delay are, in Nube's own terms, and the checks that turn loose input into them. */
import { CoreError, invalid, type CoreErrorArgs } from '../../lib/errors.js';
import { MAX_SEED } from '../../lib/seeded-random.js';

/** The dialects a rule may name (`*` = every dialect; the admin API is never one of them). */
export const CHAOS_DIALECTS = ['cloudstack', 'cloudsigma', 'cvm', 'danube', 'rest'] as const;

/** The kinds of API-level fault. */
export const CHAOS_KINDS = ['error', 'throttle', 'latency', 'drop'] as const;

/** A kind of API-level fault: answer an error, answer 429, add delay, or drop the connection. */
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** The error reasons an `error` rule may name, each as the core error every dialect already maps to its own format. */
export const CHAOS_REASONS: Readonly<Record<string, CoreErrorArgs>> = {
  unavailable: ['Unavailable', 'unreachable', 'Service unavailable (simulated)'],
  no_capacity: ['Unavailable', 'no_capacity', 'No capacity (simulated)'],
  database: ['Unavailable', 'database', 'The database is unavailable (simulated)'],
  conflict: ['Conflict', 'busy', 'The object is busy with another operation (simulated)'],
  wrong_state: ['Conflict', 'wrong_state', 'The object is in the wrong state (simulated)'],
  exists: ['Conflict', 'exists', 'The object already exists (simulated)'],
  not_found: ['NotFound', 'object', 'Object not found (simulated)'],
  forbidden: ['Forbidden', 'denied', 'Not allowed (simulated)'],
  unauthenticated: ['Unauthenticated', 'bad_credentials', 'Bad credentials (simulated)'],
  quota: ['QuotaExceeded', 'limit', 'Account limit exceeded (simulated)'],
  timeout: ['Timeout', 'still_running', 'The operation timed out (simulated)'],
  internal: ['Internal', 'failed', 'Internal error (simulated)'],
};

/** Sim driver operations that may get their own delay. */
export const SIM_OPERATIONS = ['create', 'start', 'stop', 'reboot', 'destroy', 'attach', 'detach'] as const;

/** A stored rule as the admin API and CLI show it. */
export interface ChaosRule {
  id: string;
  dialect: string;
  operation: string;
  kind: ChaosKind;
  rate: number;
  /** Firings left; -1 = until cleared, 0 = used up (kept so the list shows it fired). */
  remaining: number;
  account: string | null;
  /** error: the reason (one of CHAOS_REASONS) or a plain status 500-599; throttle: retry_after; latency: ms and jitter. */
  reason?: string;
  status?: number;
  message?: string;
  retry_after?: number;
  ms?: number;
  jitter?: number;
  created_at: string;
}

/** Loose input of a rule (the admin API's JSON body, a CLI's flags, a seed file's entry). */
export interface ChaosRuleInput {
  dialect?: unknown;
  operation?: unknown;
  kind?: unknown;
  rate?: unknown;
  count?: unknown;
  account?: unknown;
  reason?: unknown;
  status?: unknown;
  message?: unknown;
  retry_after?: unknown;
  ms?: unknown;
  jitter?: unknown;
}

/** The parameters kept with a rule (JSON in the params column). */
export interface ChaosParams {
  reason?: string;
  status?: number;
  message?: string;
  retry_after?: number;
  ms?: number;
  jitter?: number;
}

/** A rule checked and ready to store (the account still a name or id to resolve). */
export interface CheckedRule {
  dialect: string;
  operation: string;
  kind: ChaosKind;
  rate: number;
  remaining: number;
  account?: string;
  params: ChaosParams;
}

/** Longest added latency or sim delay: ten minutes. */
const MAX_MS = 600_000;
/** Longest Retry-After: one day. */
const MAX_RETRY_AFTER = 86_400;
/** Most firings a counted rule may have. */
const MAX_COUNT = 1_000_000;

/** Checks a rule's input; Invalid names the first bad field. */
export function checkRule(b: ChaosRuleInput): CheckedRule {
  const dialect = text(b.dialect, 'dialect') ?? '*';
  if (dialect !== '*' && !(CHAOS_DIALECTS as readonly string[]).includes(dialect))
    throw invalid(`dialect must be * or one of ${CHAOS_DIALECTS.join(', ')}`, 'dialect');
  const operation = text(b.operation, 'operation') ?? '*';
  if (operation.length > 300) throw invalid('operation must be at most 300 characters', 'operation');
  const kind = text(b.kind, 'kind');
  if (!kind || !(CHAOS_KINDS as readonly string[]).includes(kind))
    throw invalid(`kind must be one of ${CHAOS_KINDS.join(', ')}`, 'kind');
  const rate = num(b.rate, 'rate') ?? 1;
  if (!(rate >= 0 && rate <= 1)) throw invalid('rate must be a number from 0 to 1', 'rate');
  const count = whole(b.count, 'count', 1, MAX_COUNT);
  const account = text(b.account, 'account');
  const params: ChaosParams = {};
  const message = text(b.message, 'message');
  if (message !== undefined) params.message = message.slice(0, 500);
  if (kind === 'error') {
    const status = whole(b.status, 'status', 500, 599);
    const reason = text(b.reason, 'reason');
    if (status !== undefined && reason !== undefined) throw invalid('give either reason or status, not both', 'status');
    if (reason !== undefined && !Object.hasOwn(CHAOS_REASONS, reason))
      throw invalid(`reason must be one of ${Object.keys(CHAOS_REASONS).join(', ')}`, 'reason');
    if (status !== undefined) params.status = status;
    else params.reason = reason ?? 'internal';
  } else if (kind === 'throttle') {
    params.retry_after = whole(b.retry_after, 'retry_after', 1, MAX_RETRY_AFTER) ?? 1;
  } else if (kind === 'latency') {
    const ms = whole(b.ms, 'ms', 1, MAX_MS);
    if (ms === undefined) throw invalid('latency needs ms, the added delay in milliseconds', 'ms');
    params.ms = ms;
    params.jitter = whole(b.jitter, 'jitter', 0, MAX_MS) ?? 0;
  }
  return { dialect, operation, kind: kind as ChaosKind, rate, remaining: count ?? -1, account, params };
}

/** Checks a sim delay's input: a known operation, a delay and a jitter in milliseconds. */
export function checkDelay(b: { operation?: unknown; ms?: unknown; jitter?: unknown }): {
  operation: string;
  ms: number;
  jitter: number;
} {
  const operation = text(b.operation, 'operation');
  if (!operation || !(SIM_OPERATIONS as readonly string[]).includes(operation))
    throw invalid(`operation must be one of ${SIM_OPERATIONS.join(', ')}`, 'operation');
  const ms = whole(b.ms, 'ms', 0, MAX_MS);
  if (ms === undefined) throw invalid('ms (the delay in milliseconds) is required', 'ms');
  return { operation, ms, jitter: whole(b.jitter, 'jitter', 0, MAX_MS) ?? 0 };
}

/** The core error an `error` rule with this reason answers (every dialect maps it to its own format). */
export function reasonError(reason: string, message?: string): CoreError {
  const [kind, why, text] = CHAOS_REASONS[reason] ?? CHAOS_REASONS.internal!;
  return new CoreError(...([kind, why, message ?? text] as CoreErrorArgs));
}

/** True when a glob (`*` = any run of characters, case-insensitive) matches the whole of name. */
export function globMatch(glob: string, name: string): boolean {
  if (glob === '*') return true;
  const re = new RegExp(`^${glob.split('*').map(escapeRe).join('.*')}$`, 'is');
  return re.test(name);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** A seed: a whole number from 0 to 2^32 - 1 (a number or its decimal text). */
export function checkSeed(v: unknown): number {
  const n = whole(v, 'seed', 0, MAX_SEED);
  if (n === undefined) throw invalid('seed is required', 'seed');
  return n;
}

function text(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`${field} must be text`, field);
  return v.trim();
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw invalid(`${field} must be a number`, field);
  return n;
}

function whole(v: unknown, field: string, min: number, max: number): number | undefined {
  const n = num(v, field);
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(`${field} must be a whole number from ${min} to ${max}`, field);
  return n;
}
