/** A hosted domain's records as an RFC 1035 master file (what getDnsDomainZoneFile returns). */
import type { DnsRecordView } from './model.js';
import { charStrings } from './rules.js';
import { fqdn } from './names.js';

/** Types that no DNS server knows (provider features): kept in the file as comments. */
const PROVIDER_ONLY = new Set(['ALIAS', 'POOL', 'URL']);

const abs = (name: string) => (name === '.' ? '.' : `${name}.`);

/** TXT-like content as quoted strings of at most 255 characters each. */
function quoted(content: string): string {
  const strings = content.startsWith('"') ? charStrings(content) : [content];
  const chunks = strings.flatMap((s) => (s.length ? (s.match(/[\s\S]{1,255}/g) ?? []) : ['']));
  return chunks.map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`).join(' ');
}

/** The RDATA of a record in master-file syntax. */
function rdata(r: DnsRecordView): string {
  switch (r.type) {
    case 'SOA': {
      const [mname, rname, ...rest] = r.content.split(/\s+/);
      return `${abs(mname!)} ${abs(rname!)} ${rest.join(' ')}`;
    }
    case 'CNAME':
    case 'NS':
    case 'PTR':
    case 'ALIAS':
    case 'POOL':
      return abs(r.content);
    case 'MX':
      return `${r.priority ?? 0} ${abs(r.content)}`;
    case 'SRV': {
      const [w, p, target] = r.content.split(' ');
      return `${r.priority ?? 0} ${w} ${p} ${abs(target!)}`;
    }
    case 'NAPTR': {
      const m = /^(\S+)\s+(\S+)\s+(.*)$/.exec(r.content)!;
      const [flags, service, regexp, replacement] = charStrings(m[3]!);
      const q = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
      return `${m[1]} ${m[2]} ${q(flags!)} ${q(service!)} ${q(regexp!)} ${abs(replacement!)}`;
    }
    case 'TXT':
    case 'SPF':
      return quoted(r.content);
    case 'HINFO':
      return charStrings(r.content)
        .map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`)
        .join(' ');
    default:
      return r.content;
  }
}

/** The zone file of domain zone: $ORIGIN, $TTL, then one line per record (SOA first), provider-only types as comments. */
export function renderZoneFile(zone: string, records: readonly DnsRecordView[]): string {
  const lines = [`$ORIGIN ${zone}.`, '$TTL 1h'];
  const sorted = [...records].sort((a, b) => (a.type === 'SOA' ? -1 : b.type === 'SOA' ? 1 : a.id - b.id));
  for (const r of sorted) {
    const line = `${fqdn(r.name, zone)}. ${r.ttl} IN ${r.type} ${rdata(r)}`;
    lines.push(PROVIDER_ONLY.has(r.type) ? `; ${line}` : line);
  }
  return lines.join('\n') + '\n';
}
