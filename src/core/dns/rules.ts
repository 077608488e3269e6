/** The record types a hosted domain may hold and the rules of each: what its content must look like, whether it needs a priority. */
import { isIPv4, isIPv6 } from 'node:net';
import { invalid } from '../../lib/errors.js';
import { isHostName } from './names.js';

/** Types a caller may create (SOA is made with the domain and moves by itself). */
export const RECORD_TYPES = [
  'A',
  'AAAA',
  'ALIAS',
  'CAA',
  'CNAME',
  'HINFO',
  'MX',
  'NAPTR',
  'NS',
  'POOL',
  'PTR',
  'SPF',
  'SRV',
  'SSHFP',
  'TXT',
  'URL',
] as const;

/** A record type a caller may create. */
export type RecordType = (typeof RECORD_TYPES)[number];

/** Every type a domain's records may have: the creatable ones and SOA. */
export type StoredRecordType = RecordType | 'SOA';

/** TTL bounds in seconds (RFC 2181: at most 2^31 - 1) and the TTL of a record created without one. */
export const TTL_MIN = 1;
export const TTL_MAX = 2147483647;
export const DEFAULT_TTL = 3600;

const MAX_TEXT = 4096;
const U16 = 65535;

/** The record type named by raw (any case); Invalid for anything else, SOA included. */
export function recordType(raw: unknown): RecordType {
  const t = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  if (!(RECORD_TYPES as readonly string[]).includes(t))
    throw invalid(
      t === 'SOA'
        ? 'SOA records are managed by Nube and cannot be created'
        : `The record type must be one of ${RECORD_TYPES.join(', ')}`,
      'record_type',
    );
  return t as RecordType;
}

/** Longest domain description. */
const DESCRIPTION_MAX = 255;

/** A domain's description: free text on one line, at most 255 characters; undefined gives none. */
export function domainDescription(raw: string | undefined): string {
  const d = (raw ?? '').trim();
  if (d.length > DESCRIPTION_MAX || /[\u0000-\u001f\u007f]/.test(d))
    throw invalid(`The description must be one line of at most ${DESCRIPTION_MAX} characters`, 'description');
  return d;
}

/** A TTL in range; undefined gives the default. */
export function recordTtl(raw: number | undefined): number {
  if (raw === undefined) return DEFAULT_TTL;
  if (!Number.isInteger(raw) || raw < TTL_MIN || raw > TTL_MAX)
    throw invalid(`The TTL must be a whole number of seconds from ${TTL_MIN} to ${TTL_MAX}`, 'ttl');
  return raw;
}

/**
 * The character strings of a TXT-like content: `"a b" "c"` gives two strings (with `\"` and `\\` unescaped), bare words
 * one string each; Invalid when a quote is not closed.
 */
export function charStrings(content: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < content.length) {
    if (content[i] === ' ' || content[i] === '\t') {
      i++;
      continue;
    }
    let s = '';
    if (content[i] === '"') {
      i++;
      while (i < content.length && content[i] !== '"') {
        if (content[i] === '\\' && i + 1 < content.length) i++;
        s += content[i++];
      }
      if (i >= content.length) throw invalid('A quoted string in the content is not closed', 'content');
      i++;
    } else {
      while (i < content.length && content[i] !== ' ' && content[i] !== '\t') s += content[i++];
    }
    out.push(s);
  }
  return out;
}

const uint = (text: string | undefined, max: number): number | undefined =>
  text !== undefined && /^[0-9]{1,10}$/.test(text) && Number(text) <= max ? Number(text) : undefined;

function bad(type: string, what: string): never {
  throw invalid(`The content of a ${type} record must be ${what}`, 'content');
}

function host(type: string, text: string, what = 'a host name'): string {
  if (!isHostName(text)) bad(type, what);
  return text.toLowerCase().replace(/\.$/, '');
}

/** Checks content for type and returns it as stored (host names lower case without the trailing dot, CAA values quoted). */
function checkContent(type: RecordType, content: string): string {
  const words = content.split(/\s+/);
  switch (type) {
    case 'A':
      return isIPv4(content) ? content : bad(type, 'an IPv4 address');
    case 'AAAA':
      return isIPv6(content) ? content.toLowerCase() : bad(type, 'an IPv6 address');
    case 'CNAME':
    case 'ALIAS':
    case 'NS':
    case 'PTR':
    case 'POOL':
    case 'MX':
      return host(type, content);
    case 'TXT':
    case 'SPF':
      charStrings(content);
      return content;
    case 'SRV': {
      const [w, p, target, ...rest] = words;
      if (rest.length || uint(w, U16) === undefined || uint(p, U16) === undefined || !target)
        bad(type, '"weight port target" (weight and port 0 to 65535)');
      return `${Number(w)} ${Number(p)} ${target === '.' ? '.' : host(type, target, '"weight port target" with a host name target')}`;
    }
    case 'CAA': {
      const m = /^([0-9]{1,3})\s+([A-Za-z0-9]{1,15})\s+(.+)$/.exec(content);
      if (!m || Number(m[1]) > 255) bad(type, '"flags tag value" (flags 0 to 255, tag like issue, issuewild or iodef)');
      const value = charStrings(m[3]!);
      if (value.length !== 1) bad(type, '"flags tag value" with one value');
      return `${Number(m[1])} ${m[2]!.toLowerCase()} "${value[0]!.replace(/(["\\])/g, '\\$1')}"`;
    }
    case 'HINFO':
      return charStrings(content).length === 2 ? content : bad(type, 'two strings, "cpu" "os"');
    case 'NAPTR': {
      const m = /^([0-9]{1,5})\s+([0-9]{1,5})\s+(.*)$/.exec(content);
      const parts = m ? charStrings(m[3]!) : [];
      const ok = m && uint(m[1], U16) !== undefined && uint(m[2], U16) !== undefined && parts.length === 4;
      if (!ok || (parts[3] !== '.' && !isHostName(parts[3]!)))
        bad(type, 'order preference "flags" "service" "regexp" replacement');
      return content;
    }
    case 'SSHFP': {
      const [alg, fpType, fp, ...rest] = words;
      const lengths: Record<string, number> = { '1': 40, '2': 64 };
      const t = fpType === undefined ? undefined : lengths[fpType];
      const ok = !rest.length && uint(alg, 255) !== undefined && t !== undefined && !!fp && /^[0-9a-fA-F]+$/.test(fp);
      if (!ok || fp!.length !== t)
        bad(type, '"algorithm type fingerprint" (type 1 with 40 hex digits of SHA-1, or 2 with 64 of SHA-256)');
      return `${Number(alg)} ${fpType} ${fp!.toLowerCase()}`;
    }
    case 'URL': {
      let url: URL | undefined;
      try {
        url = new URL(content);
      } catch {
        url = undefined;
      }
      return url && /^https?:$/.test(url.protocol) ? content : bad(type, 'an http or https URL');
    }
  }
}

/** A record's content and priority checked for its type: MX and SRV need a priority (0 to 65535), the others keep none. */
export function recordData(
  type: RecordType,
  rawContent: unknown,
  rawPriority: number | undefined,
): { content: string; priority: number | null } {
  const content = typeof rawContent === 'string' ? rawContent.trim() : '';
  if (content === '') throw invalid('The record content must not be empty', 'content');
  if (content.length > MAX_TEXT) throw invalid(`The record content must be at most ${MAX_TEXT} characters`, 'content');
  if (/[\x00-\x1f\x7f]/.test(content))
    throw invalid('The record content must not contain control characters', 'content');
  const needsPriority = type === 'MX' || type === 'SRV';
  if (!needsPriority) return { content: checkContent(type, content), priority: null };
  if (rawPriority === undefined) throw invalid(`A ${type} record needs a priority`, 'priority');
  if (!Number.isInteger(rawPriority) || rawPriority < 0 || rawPriority > U16)
    throw invalid('The priority must be a whole number from 0 to 65535', 'priority');
  return { content: checkContent(type, content), priority: rawPriority };
}
