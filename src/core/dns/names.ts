/** DNS names as the core keeps them: lower case, ASCII (IDNs as punycode), no trailing dot; checks shared by domains, records and contents. */
import { domainToASCII, domainToUnicode } from 'node:url';
import { invalid } from '../../lib/errors.js';

const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Record names may also hold underscores (_dmarc, _sip._tcp) and one leading `*` label (a wildcard). */
const OWNER_LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const MAX_NAME = 253;

/** A hosted domain's name in ASCII and Unicode; Invalid unless it is a name of at least two labels. */
export function domainName(raw: unknown): { name: string; unicodeName: string } {
  const text = typeof raw === 'string' ? raw.trim().replace(/\.$/, '') : '';
  if (text === '') throw invalid('The domain name must not be empty', 'name');
  const ascii = /[^\x00-\x7f]/.test(text) ? domainToASCII(text) : text.toLowerCase();
  const labels = ascii.split('.');
  if (ascii === '' || ascii.length > MAX_NAME || labels.length < 2 || !labels.every((l) => LABEL_RE.test(l)))
    throw invalid(`${text} is not a valid domain name`, 'name');
  return { name: ascii, unicodeName: domainToUnicode(ascii) || ascii };
}

/**
 * A record's name relative to its zone: '' (also given as '' or '@') is the apex; a name ending in a dot is absolute and
 * must lie inside the zone. Labels are letters, digits, hyphens and underscores; `*` only as the first label.
 */
export function recordName(raw: unknown, zone: string): string {
  let text = typeof raw === 'string' ? raw.trim().toLowerCase() : raw === undefined || raw === null ? '' : null;
  if (text === null) throw invalid('The record name must be a string', 'record_name');
  if (text === '@') return '';
  if (text.endsWith('.')) {
    const abs = text.slice(0, -1);
    if (abs === zone) return '';
    if (!abs.endsWith(`.${zone}`)) throw invalid(`${raw as string} is not inside the domain ${zone}`, 'record_name');
    text = abs.slice(0, -zone.length - 1);
  }
  if (text === '') return '';
  const labels = text.split('.');
  const ok = labels.every((l, i) => (l === '*' ? i === 0 : OWNER_LABEL_RE.test(l)));
  if (!ok || text.length + zone.length + 1 > MAX_NAME)
    throw invalid(`${raw as string} is not a valid record name`, 'record_name');
  return text;
}

/** True when text is a host name (letters, digits, hyphens and underscores in labels, at most 253 characters). */
export function isHostName(text: string): boolean {
  const t = text.replace(/\.$/, '').toLowerCase();
  return t.length > 0 && t.length <= MAX_NAME && t.split('.').every((l) => OWNER_LABEL_RE.test(l));
}

/** The absolute name of a record ('' = the apex) in zone. */
export function fqdn(name: string, zone: string): string {
  return name === '' ? zone : `${name}.${zone}`;
}
