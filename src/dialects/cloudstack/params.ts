/** CloudStack request parameters: merging query and form body, and typed decoding with CloudStack's error texts. */

/** One declared parameter of a command: its wire name, type and limits, so the edge can validate before any handler runs. */
export interface ParamSpec {
  name: string;
  type: 'string' | 'uuid' | 'integer' | 'long' | 'boolean' | 'list' | 'uuidlist' | 'map' | 'date' | 'short';
  required?: boolean;
  description: string;
  /** Maximum length of a string value (default 4096); for lists and maps it bounds each item. */
  max?: number;
}

/** A bad or missing request parameter; the edge answers it with errorcode 431 and `message` as errortext. */
export class ParamError extends Error {
  constructor(
    public param: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

const DEFAULT_MAX = 4096;
const ECHO_LIMIT = 256;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_RE = /^[+-]?[0-9]+$/;
const BOOLEAN_RE = /^(?:true|false)$/i;
const TIMESTAMP_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}:?[0-9]{2}))?$/;
const MAP_SUFFIX_RE = /^\[([0-9]+)\]\.([^.[\]]+)$/;

/** Parses CloudStack's `yyyy-MM-dd'T'HH:mm:ss` + `Z`/`±HHMM`/`±HH:MM` timestamps (and bare `yyyy-MM-dd` as UTC midnight when allowed); shared with the signature expiry check. */
export function parseTimestamp(text: string, allowDateOnly: boolean): Date | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, zone] = m;
  if (hs === undefined && !allowDateOnly) return undefined;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = hs === undefined ? 0 : Number(hs);
  const minute = mis === undefined ? 0 : Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** Merges query-string and form-body parameters (query first, first value wins) into ordered pairs for the signature and a lower-cased lookup map. */
export function collectParams(
  query: Record<string, string | string[] | undefined>,
  body: Record<string, string | string[] | undefined> | undefined,
): { pairs: Array<[string, string]>; lower: Map<string, string> } {
  const pairs: Array<[string, string]> = [];
  const exact = new Set<string>();
  const lower = new Map<string, string>();
  for (const source of [query, body]) {
    if (source === undefined || source === null || typeof source !== 'object') continue;
    for (const name of Object.keys(source)) {
      const raw = source[name];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (typeof value !== 'string' || exact.has(name)) continue;
      exact.add(name);
      pairs.push([name, value]);
      const key = name.toLowerCase();
      if (!lower.has(key)) lower.set(key, value);
    }
  }
  return { pairs, lower };
}

function echo(value: string): string {
  return value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT)}…` : value;
}

function invalidValue(cmd: string, name: string, detail: string): ParamError {
  return new ParamError(name, `Unable to execute API command ${cmd} due to invalid value. ${detail}`);
}

function badUuid(cmd: string, name: string, value: string): ParamError {
  return invalidValue(
    cmd,
    name,
    `Invalid parameter ${name} value=${echo(value)} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
  );
}

function checkText(cmd: string, name: string, value: string, max: number): string {
  if (value.includes('\0')) throw invalidValue(cmd, name, `Invalid parameter ${name}: value contains a NUL byte.`);
  if (value.length > max)
    throw invalidValue(cmd, name, `Value greater than max allowed length ${max} for param: ${name}`);
  return value;
}

function decodeInteger(cmd: string, name: string, value: string, type: 'integer' | 'long' | 'short'): number {
  const [min, max, label] =
    type === 'integer'
      ? [-2147483648, 2147483647, 'an integer']
      : type === 'short'
        ? [-32768, 32767, 'a short integer']
        : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a long integer'];
  const n = INTEGER_RE.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidValue(
      cmd,
      name,
      `Invalid parameter ${name} value=${echo(value)}: expected ${label} between ${min} and ${max}.`,
    );
  }
  return n + 0;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function compareIndex(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function decodeMap(cmd: string, name: string, lower: Map<string, string>, max: number): Array<Record<string, string>> {
  const prefix = `${name}[`;
  const groups = new Map<string, Array<[string, string]>>();
  for (const [key, value] of lower) {
    if (!key.startsWith(prefix)) continue;
    const m = MAP_SUFFIX_RE.exec(key.slice(name.length));
    if (!m) continue;
    const index = m[1].replace(/^0+(?=[0-9])/, '');
    checkText(cmd, `${name}[${index}].${m[2]}`, value, max);
    let fields = groups.get(index);
    if (fields === undefined) {
      fields = [];
      groups.set(index, fields);
    }
    fields.push([m[2], value]);
  }
  return [...groups.keys()].sort(compareIndex).map((index) => Object.fromEntries(groups.get(index) ?? []));
}

function decodeOne(
  cmd: string,
  type: Exclude<ParamSpec['type'], 'map'>,
  max: number,
  name: string,
  value: string,
): unknown {
  if (value.includes('\0')) throw invalidValue(cmd, name, `Invalid parameter ${name}: value contains a NUL byte.`);
  switch (type) {
    case 'string':
      return checkText(cmd, name, value, max);
    case 'uuid':
      if (!UUID_RE.test(value)) throw badUuid(cmd, name, value);
      return value.toLowerCase();
    case 'integer':
    case 'long':
    case 'short':
      return decodeInteger(cmd, name, value, type);
    case 'boolean':
      if (!BOOLEAN_RE.test(value)) {
        throw invalidValue(cmd, name, `Invalid parameter ${name} value=${echo(value)}: expected true or false.`);
      }
      return value.toLowerCase() === 'true';
    case 'list':
      return splitList(value).map((item) => checkText(cmd, name, item, max));
    case 'uuidlist':
      return splitList(value).map((item) => {
        if (!UUID_RE.test(item)) throw badUuid(cmd, name, item);
        return item.toLowerCase();
      });
    case 'date': {
      const date = parseTimestamp(value, true);
      if (date === undefined) {
        throw invalidValue(
          cmd,
          name,
          `Invalid parameter ${name} value=${echo(value)}: expected a date as yyyy-MM-dd or yyyy-MM-dd'T'HH:mm:ssZ.`,
        );
      }
      return date;
    }
    default: {
      const unsupported: never = type;
      throw new ParamError(
        name,
        `Unable to execute API command ${cmd}: parameter ${name} has unsupported type ${String(unsupported)}.`,
      );
    }
  }
}

/** Validates and converts a command's parameters per its specs, so handlers get typed values and clients get CloudStack's exact 431 texts; throws only ParamError. Empty values count as absent except for `string` params; uuids come back lower-cased. */
export function decodeParams(command: string, specs: ParamSpec[], lower: Map<string, string>): Record<string, unknown> {
  const cmd = String(command).toLowerCase();
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const name = spec.name.toLowerCase();
    try {
      if (spec.type === 'map') {
        const entries = decodeMap(cmd, name, lower, spec.max ?? DEFAULT_MAX);
        if (entries.length > 0) out[name] = entries;
        else if (spec.required)
          throw new ParamError(name, `Unable to execute API command ${cmd} due to missing parameter ${name}`);
        continue;
      }
      const value = lower.get(name);
      if (value === undefined || (value === '' && spec.type !== 'string')) {
        if (spec.required)
          throw new ParamError(name, `Unable to execute API command ${cmd} due to missing parameter ${name}`);
        continue;
      }
      out[name] = decodeOne(cmd, spec.type, spec.max ?? DEFAULT_MAX, name, value);
    } catch (err) {
      if (err instanceof ParamError) throw err;
      throw invalidValue(cmd, name, `Invalid parameter ${name}.`);
    }
  }
  return out;
}
