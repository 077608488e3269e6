/** Hosted records as dns-packet answers: each stored content turned into the RDATA its type has on the wire. */
import type { Answer } from 'dns-packet';
import type { DnsRecordView } from '../core/dns/model.js';
import { parseSoa } from '../core/dns/model.js';
import { charStrings } from '../core/dns/rules.js';

/** Record types that exist only in the API (provider features) and are never answered as such. */
const API_ONLY = new Set(['ALIAS', 'POOL', 'URL']);

/** True when a stored record of this type can be put on the wire. */
export function onWire(type: string): boolean {
  return !API_ONLY.has(type);
}

/** TXT-like content as wire strings of at most 255 bytes: quoted strings as given, bare text cut into pieces. */
function txtStrings(content: string): Buffer[] {
  const strings = content.startsWith('"') ? charStrings(content) : [content];
  const out: Buffer[] = [];
  for (const s of strings) {
    const b = Buffer.from(s, 'utf8');
    if (b.length === 0) out.push(b);
    for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  }
  return out;
}

/** The SOA answer of a zone with its current serial; negative answers use it with the TTL capped by the SOA minimum (RFC 2308). */
export function soaAnswer(zone: string, soa: DnsRecordView, negative = false): Answer {
  const d = parseSoa(soa.content);
  return {
    type: 'SOA',
    name: zone,
    ttl: negative ? Math.min(soa.ttl, d.minimum) : soa.ttl,
    data: {
      mname: d.mname,
      rname: d.rname,
      serial: d.serial,
      refresh: d.refresh,
      retry: d.retry,
      expire: d.expire,
      minimum: d.minimum,
    },
  };
}

/** One stored record as an answer owned by owner (the question's spelling of the name, or the wildcard's match). */
export function toAnswer(r: DnsRecordView, owner: string, zone: string): Answer {
  const base = { name: owner, ttl: r.ttl };
  switch (r.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { ...base, type: r.type, data: r.content };
    case 'MX':
      return { ...base, type: 'MX', data: { preference: r.priority ?? 0, exchange: r.content } };
    case 'SRV': {
      const [weight, port, target] = r.content.split(' ');
      const t = target === '.' ? '' : target!;
      return {
        ...base,
        type: 'SRV',
        data: { priority: r.priority ?? 0, weight: Number(weight), port: Number(port), target: t },
      };
    }
    case 'TXT':
      return { ...base, type: 'TXT', data: txtStrings(r.content) };
    case 'SPF': {
      // dns-packet has no SPF codec: the RDATA (TXT's character strings) goes out as raw bytes under type 99.
      const rdata = Buffer.concat(txtStrings(r.content).flatMap((s) => [Buffer.from([s.length]), s]));
      return { ...base, type: 'SPF', data: rdata } as unknown as Answer;
    }
    case 'CAA': {
      const m = /^(\d+)\s+(\S+)\s+(.*)$/.exec(r.content)!;
      const [value = ''] = charStrings(m[3]!);
      return { ...base, type: 'CAA', data: { flags: Number(m[1]), tag: m[2] as 'issue', value } };
    }
    case 'HINFO': {
      const [cpu = '', os = ''] = charStrings(r.content);
      return { ...base, type: 'HINFO', data: { cpu, os } };
    }
    case 'NAPTR': {
      const m = /^(\d+)\s+(\d+)\s+(.*)$/.exec(r.content)!;
      const [flags = '', services = '', regexp = '', replacement = ''] = charStrings(m[3]!);
      return {
        ...base,
        type: 'NAPTR',
        data: {
          order: Number(m[1]),
          preference: Number(m[2]),
          flags,
          services,
          regexp,
          replacement: replacement === '.' ? '' : replacement,
        },
      };
    }
    case 'SSHFP': {
      const [algorithm, hash, fingerprint] = r.content.split(' ');
      return {
        ...base,
        type: 'SSHFP',
        data: { algorithm: Number(algorithm), hash: Number(hash), fingerprint: fingerprint! },
      };
    }
    case 'SOA':
      return soaAnswer(zone, r);
    default:
      throw new Error(`record type ${r.type} has no wire form`);
  }
}
