/** Request data as Danube reads it: strings coerced to numbers and booleans, required fields, choices and order_by. */
import { apiError, failure } from './answers.js';
import type { DanubeRequest } from './request.js';

const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE', '1']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE', '0']);

/** How one field is read. */
export interface FieldSpec {
  type: 'str' | 'int' | 'bool' | 'list' | 'dict' | 'any';
  required?: boolean;
  default?: unknown;
  min?: number;
  max?: number;
  choices?: ReadonlyArray<string | number>;
  /** Longest string accepted (strings default to 1024). */
  maxLength?: number;
  nullable?: boolean;
}

type Out<S extends FieldSpec> = S['type'] extends 'str'
  ? string
  : S['type'] extends 'int'
    ? number
    : S['type'] extends 'bool'
      ? boolean
      : S['type'] extends 'list'
        ? unknown[]
        : S['type'] extends 'dict'
          ? Record<string, unknown>
          : unknown;

/** The values read by a spec: required or defaulted fields are present, the others may be undefined. */
export type Params<T extends Record<string, FieldSpec>> = { [K in keyof T]: Out<T[K]> | undefined };

/** Reads a boolean the way Danube does; undefined when the value is not one. */
function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === 'string') return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
  return undefined;
}

/** One field's value or the message of why it is refused. */
function readField(v: unknown, s: FieldSpec): { value?: unknown; error?: string } {
  if (v === null && s.nullable) return { value: null };
  switch (s.type) {
    case 'str': {
      if (typeof v !== 'string' && typeof v !== 'number') return { error: 'Not a valid string.' };
      const str = String(v);
      if (str.length > (s.maxLength ?? 1024))
        return { error: `Ensure this value has at most ${s.maxLength ?? 1024} characters.` };
      if (s.choices && !s.choices.includes(str)) return { error: `"${str}" is not a valid choice.` };
      return { value: str };
    }
    case 'int': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) return { error: 'A valid integer is required.' };
      if (s.min !== undefined && n < s.min) return { error: `Ensure this value is greater than or equal to ${s.min}.` };
      if (s.max !== undefined && n > s.max) return { error: `Ensure this value is less than or equal to ${s.max}.` };
      if (s.choices && !s.choices.includes(n)) return { error: `"${n}" is not a valid choice.` };
      return { value: n };
    }
    case 'bool': {
      const b = toBool(v);
      return b === undefined ? { error: '"' + String(v) + '" is not a valid boolean.' } : { value: b };
    }
    case 'list':
      return Array.isArray(v) ? { value: v } : { error: 'Expected a list of items.' };
    case 'dict':
      return v && typeof v === 'object' && !Array.isArray(v) ? { value: v } : { error: 'Expected a dictionary.' };
    default:
      return { value: v };
  }
}

/** Reads every field of spec from data; a FAILURE envelope (400) lists every refused field at once. */
export function readParams<T extends Record<string, FieldSpec>>(
  q: Pick<DanubeRequest, 'data' | 'user' | 'dc'>,
  spec: T,
): Params<T> {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string[]> = {};
  for (const [name, s] of Object.entries(spec)) {
    const v = q.data[name];
    if (v === undefined || (v === '' && s.type !== 'str')) {
      if (s.required) errors[name] = ['This field is required.'];
      else out[name] = s.default;
      continue;
    }
    const r = readField(v, s);
    if (r.error) errors[name] = [r.error];
    else out[name] = r.value;
  }
  if (Object.keys(errors).length > 0) throw failure(q, errors);
  return out as Params<T>;
}

/** A boolean flag of the request (full, extended, force, ...), false unless set to a true value. */
export function flag(q: Pick<DanubeRequest, 'data'>, name: string, fallback = false): boolean {
  return toBool(q.data[name]) ?? fallback;
}

/** Sorts items by the request's order_by (comma-separated; a leading - or + sorts descending); 412 for an unknown field. */
export function sortBy<T extends Record<string, unknown>>(
  q: Pick<DanubeRequest, 'data'>,
  items: T[],
  allowed: readonly string[],
  fallback: string,
): T[] {
  const raw = q.data.order_by;
  const spec = typeof raw === 'string' && raw.trim() !== '' ? raw : fallback;
  const keys = spec.split(',').map((f) => {
    const t = f.trim();
    const desc = t.startsWith('-') || t.startsWith('+');
    return { name: desc ? t.slice(1) : t, desc };
  });
  for (const k of keys)
    if (!allowed.includes(k.name))
      throw apiError(412, `Invalid order_by; Possible sort fields are: ${allowed.join(', ')}`);
  return [...items].sort((a, b) => {
    for (const k of keys) {
      const x = a[k.name] as string | number | null;
      const y = b[k.name] as string | number | null;
      if (x === y) continue;
      const c = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return k.desc ? -c : c;
    }
    return 0;
  });
}
