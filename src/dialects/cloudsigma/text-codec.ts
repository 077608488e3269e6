/** CloudSigma 1.0 wire format: `key value` lines, bare value lists, and records separated by blank lines. */

/** One object: ordered keys to string values. */
export type SigmaRecord = Record<string, string>;

/** A request body that is not valid `key value` text; answered with 400. */
export class CodecError extends Error {
  constructor(message: string, readonly field = 'body') { super(message); }
}

/** Most lines a request body may hold. */
export const MAX_LINES = 2000;
/** Longest key accepted in a request. */
export const MAX_KEY = 100;
/** Longest value accepted in a request. */
export const MAX_VALUE = 64 * 1024;

/** Parses a request body of `key value` lines into one record; blank lines are skipped, the last duplicate wins. */
export function parseRecord(text: string): SigmaRecord {
  const out: SigmaRecord = Object.create(null) as SigmaRecord;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > MAX_LINES) throw new CodecError(`The body has more than ${MAX_LINES} lines`);
  for (const raw of lines) {
    const line = raw.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
    if (line === '') continue;
    const at = line.search(/[ \t]/);
    const key = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^[ \t]+/, '');
    if (key.length > MAX_KEY) throw new CodecError(`A key is longer than ${MAX_KEY} characters`);
    if (!/^[A-Za-z0-9_:.\-]+$/.test(key)) throw new CodecError(`Invalid key ${JSON.stringify(key.slice(0, 40))}`);
    if (value.length > MAX_VALUE) throw new CodecError(`The value of ${key} is longer than ${MAX_VALUE} characters`, key);
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) throw new CodecError(`The value of ${key} holds control characters`, key);
    out[key] = unescape(value);
  }
  return out;
}

/** Parses a multi-record body (records separated by blank lines), as clients read answers. */
export function parseRecords(text: string): SigmaRecord[] {
  return text.replace(/\r\n?/g, '\n').trim().split(/\n[ \t]*\n/).map((block) => block.trim()).filter((b) => b !== '').map(parseRecord);
}

/** Parses a list body: one value per line, or `kind value` lines whose second token is kept. */
export function parseList(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => { const p = l.split(/\s+/); return p[p.length - 1]!; });
}

/** Encodes one record; null and undefined values are left out, newlines are escaped as `\n`. */
export function encodeRecord(r: Record<string, string | number | boolean | null | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(r)) {
    if (v === null || v === undefined) continue;
    out += `${k} ${escape(String(v))}\n`;
  }
  return out;
}

/** Encodes several records separated by blank lines. */
export function encodeRecords(rs: Array<Record<string, string | number | boolean | null | undefined>>): string {
  return rs.map(encodeRecord).join('\n');
}

/** Encodes a list of bare values, one per line (or `prefix value` lines when a prefix is given). */
export function encodeList(values: string[], prefix?: string): string {
  return values.map((v) => (prefix ? `${prefix} ${escape(v)}\n` : `${escape(v)}\n`)).join('');
}

/** Parses a size or offset in bytes with an optional k/M/G/T suffix (powers of 1024); undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const m = /^([0-9]{1,16})([kKmMgGtT]?)[bB]?$/.exec(text.trim());
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()]!;
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

function unescape(v: string): string {
  return v.includes('\\') ? v.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\')) : v;
}
