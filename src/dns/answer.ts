/**
 * Authoritative answers from hosted zones: exact names, wildcards, CNAME chains inside a zone, delegations, NXDOMAIN
 * and NODATA with the zone's SOA, REFUSED outside every hosted zone, PTR for reverse names from an optional source.
 */
import type { Answer, Packet, Question } from 'dns-packet';
import type { DnsRecordView, HostedZone } from '../core/dns/model.js';
import { onWire, soaAnswer, toAnswer } from './wire.js';
import { addressFromReverseName } from '../lib/reverse-name.js';

/** Where zones come from: the core's DNS service (read on every query, so API changes show at once). */
export interface ZoneSource {
  hostedZone(fqdn: string): Promise<HostedZone | undefined>;
}

/** Where reverse names (in-addr.arpa, ip6.arpa) outside hosted zones get their PTR from, when one is given. */
export interface PtrSource {
  ptr(address: string): Promise<{ name: string; ttl: number } | undefined>;
}

/** A response's rcode (low four bits of the flags) and sections, before the header and size limits are applied. */
export interface Resolution {
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** DNS response codes Nube answers with. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const MAX_CHAIN = 8;

const empty = (rcode: number, authoritative = false): Resolution => ({
  rcode,
  authoritative,
  answers: [],
  authorities: [],
  additionals: [],
});

/** The answer to one question. */
export async function resolve(q: Question, zones: ZoneSource, ptr?: PtrSource): Promise<Resolution> {
  // dns-packet names every type by its mnemonic, ANY (255) included, which its typings leave out
  const qtype: string = q.type;
  if ((q.class ?? 'IN') !== 'IN' && q.class !== 'ANY') return empty(RCODE.REFUSED);
  if (qtype === 'AXFR' || qtype === 'IXFR') return empty(RCODE.REFUSED);
  const qname = q.name.replace(/\.$/, '');
  const zone = await zones.hostedZone(qname.toLowerCase());
  if (!zone) return ptr && isReverse(qname) ? reverse(qtype, qname, ptr) : empty(RCODE.REFUSED);
  const out = empty(RCODE.NOERROR, true);
  const soa = zone.records.find((r) => r.type === 'SOA');
  let owner = qname;
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const step = lookup(zone, owner.toLowerCase(), qtype);
    if (step.kind === 'referral') {
      out.authoritative = out.answers.length > 0;
      out.authorities.push(...step.ns.map((r) => toAnswer(r, step.cut, zone.name)));
      out.additionals.push(...glue(zone, step.ns));
      return out;
    }
    if (step.kind === 'nxdomain') {
      if (out.answers.length === 0) out.rcode = RCODE.NXDOMAIN;
      if (soa) out.authorities.push(soaAnswer(zone.name, soa, true));
      return out;
    }
    const cname = step.records.find((r) => r.type === 'CNAME');
    if (cname && qtype !== 'CNAME' && qtype !== 'ANY') {
      out.answers.push(toAnswer(cname, owner, zone.name));
      const target = cname.content;
      if (!inZone(target, zone.name)) return out;
      owner = target;
      continue;
    }
    const matching = step.records.filter((r) => onWire(r.type) && (qtype === 'ANY' || r.type === qtype));
    if (matching.length === 0) {
      if (soa) out.authorities.push(soaAnswer(zone.name, soa, true));
      return out;
    }
    out.answers.push(...matching.map((r) => toAnswer(r, owner, zone.name)));
    return out;
  }
  return out;
}

type Step =
  | { kind: 'records'; records: DnsRecordView[] }
  | { kind: 'nxdomain' }
  | { kind: 'referral'; cut: string; ns: DnsRecordView[] };

/** What a zone holds at an absolute name: its records (exact, or a wildcard's), a delegation above it, or nothing. */
function lookup(zone: HostedZone, name: string, qtype: string): Step {
  const rel = name === zone.name ? '' : name.slice(0, -zone.name.length - 1);
  if (rel !== '') {
    const labels = rel.split('.');
    // a delegation: NS records at a name between the apex and the query name (the query name itself too, but not for DS)
    for (let i = labels.length - 1; i >= 0; i--) {
      const cut = labels.slice(i).join('.');
      if (i === 0 && qtype === 'DS') break;
      const ns = zone.records.filter((r) => r.name === cut && r.type === 'NS');
      if (ns.length) return { kind: 'referral', cut: `${cut}.${zone.name}`, ns };
    }
  }
  const exact = zone.records.filter((r) => r.name === rel);
  if (exact.length) return { kind: 'records', records: exact };
  if (rel === '' || zone.records.some((r) => r.name.endsWith(`.${rel}`))) return { kind: 'records', records: [] };
  // RFC 4592: the wildcard at the closest encloser, the longest existing ancestor of the name
  const labels = rel.split('.');
  for (let i = 1; i <= labels.length; i++) {
    const encloser = labels.slice(i).join('.');
    const exists = encloser === '' || zone.records.some((r) => r.name === encloser || r.name.endsWith(`.${encloser}`));
    if (!exists) continue;
    const star = encloser === '' ? '*' : `*.${encloser}`;
    const wild = zone.records.filter((r) => r.name === star);
    return wild.length ? { kind: 'records', records: wild } : { kind: 'nxdomain' };
  }
  return { kind: 'nxdomain' };
}

/** A and AAAA records inside the zone for the delegated name servers. */
function glue(zone: HostedZone, ns: DnsRecordView[]): Answer[] {
  const out: Answer[] = [];
  for (const r of ns) {
    if (!inZone(r.content, zone.name)) continue;
    const rel = r.content === zone.name ? '' : r.content.slice(0, -zone.name.length - 1);
    for (const a of zone.records)
      if (a.name === rel && (a.type === 'A' || a.type === 'AAAA')) out.push(toAnswer(a, r.content, zone.name));
  }
  return out;
}

function inZone(name: string, zone: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === zone || n.endsWith(`.${zone}`);
}

function isReverse(name: string): boolean {
  return /\.(in-addr|ip6)\.arpa$/i.test(name);
}

async function reverse(qtype: string, qname: string, ptr: PtrSource): Promise<Resolution> {
  const address = addressFromReverseName(qname);
  if (!address) return empty(RCODE.REFUSED);
  const found = await ptr.ptr(address);
  if (!found) return empty(RCODE.NXDOMAIN, true);
  const out = empty(RCODE.NOERROR, true);
  if (qtype === 'PTR' || qtype === 'ANY')
    out.answers.push({ type: 'PTR', name: qname, ttl: found.ttl, data: found.name.replace(/\.$/, '') });
  return out;
}

/** The response packet for a query and its resolution (EDNS and size limits are the server's). */
export function responseFor(query: Packet, r: Resolution): Packet {
  const rd = (query.flags ?? 0) & 0x0100;
  return {
    id: query.id,
    type: 'response',
    flags: (r.authoritative ? 0x0400 : 0) | rd | (r.rcode & 0xf),
    questions: query.questions ?? [],
    answers: r.answers,
    authorities: r.authorities,
    additionals: r.additionals,
  };
}
