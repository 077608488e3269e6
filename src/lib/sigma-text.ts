/** CloudSigma 1.0 wire format: `key value` lines, bare value lists, and records separated by blank lines. */

/** One object: ordered keys to string values. */
export type SigmaRecord = Record<string, string>;

/** A request body that is not valid `key value` text; answered with 400. */
export class CodecError extends Error {
  constructor(
    message: string,
    readonly field = 'body',
  ) {
    super(message);
  }
}

/** Most lines a request body may hold. */
const MAX_LINES = 2000;
/** Longest key accepted in a request. */
const MAX_KEY = 100;
/** Longest value accepted in a request. */
const MAX_VALUE = 64 * 1024;

/** Longest line accepted in a request (a key, its value and the blanks around them). */
const MAX_LINE = MAX_KEY + MAX_VALUE + 1024;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** One line of a text: [start, end) without its line break, and where the next line starts (-1 after the last). */
interface Line {
  start: number;
  end: number;
  next: number;
}

/** The line starting at pos (lines end at LF, CR LF or a lone CR); one pass over its characters. */
function lineAt(text: string, pos: number): Line {
  let end = pos;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === LF || c === CR) break;
    end++;
  }
  if (end >= text.length) return { start: pos, end, next: -1 };
  const next = text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
  return { start: pos, end, next };
}

function blank(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === SPACE || c === TAB;
}

/** Parses a request body of `key value` lines into one record in one pass (linear in the body's length); blank lines are skipped, the last duplicate wins. */
export function parseRecord(text: string): SigmaRecord {
  const out: SigmaRecord = Object.create(null) as SigmaRecord;
  let lines = 0;
  for (let pos = 0; pos >= 0;) {
    const line = lineAt(text, pos);
    pos = line.next;
    if (++lines > MAX_LINES) throw new CodecError(`The body has more than ${MAX_LINES} lines`);
    if (line.end - line.start > MAX_LINE) throw new CodecError(`A line is longer than ${MAX_LINE} characters`);
    let s = line.start;
    let e = line.end;
    while (s < e && blank(text, s)) s++;
    while (e > s && blank(text, e - 1)) e--;
    if (s === e) continue;
    let at = s;
    while (at < e && !blank(text, at)) at++;
    const key = text.slice(s, at);
    let v = at;
    while (v < e && blank(text, v)) v++;
    const value = text.slice(v, e);
    if (key.length > MAX_KEY) throw new CodecError(`A key is longer than ${MAX_KEY} characters`);
    if (!/^[A-Za-z0-9_:.\-]+$/.test(key)) throw new CodecError(`Invalid key ${JSON.stringify(key.slice(0, 40))}`);
    if (value.length > MAX_VALUE)
      throw new CodecError(`The value of ${key} is longer than ${MAX_VALUE} characters`, key);
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value))
      throw new CodecError(`The value of ${key} holds control characters`, key);
    out[key] = unescape(value);
  }
  return out;
}

/** Parses a multi-record body (records separated by lines that are empty or blank), as clients read answers; linear in the text's length. */
export function parseRecords(text: string): SigmaRecord[] {
  const out: SigmaRecord[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.length) out.push(parseRecord(block.join('\n')));
    block = [];
  };
  for (let pos = 0; pos >= 0;) {
    const line = lineAt(text, pos);
    pos = line.next;
    let s = line.start;
    while (s < line.end && blank(text, s)) s++;
    if (s === line.end) flush();
    else block.push(text.slice(line.start, line.end));
  }
  flush();
  return out;
}

/** Parses a list body: one value per line, or `kind value` lines whose last token is kept; linear in the text's length. */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (let pos = 0; pos >= 0;) {
    const line = lineAt(text, pos);
    pos = line.next;
    const l = text.slice(line.start, line.end).trim();
    if (l === '') continue;
    let i = l.length;
    while (i > 0 && !/\s/.test(l[i - 1]!)) i--;
    out.push(l.slice(i));
  }
  return out;
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
  return v.includes('\\')
    ? v.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
    : v;
}
