/** Hosted DNS domains and records as the Exoscale DNS commands show them (integer ids, `Z` timestamps without fractions). */
import type { DnsDomainView, DnsRecordView } from '../../../core/dns/model.js';
import { DEFAULT_TTL, TTL_MAX, TTL_MIN } from '../../../core/dns/rules.js';
import { param } from '../command.js';

/** An ISO timestamp as the DNS answers show it, e.g. 2019-08-16T10:03:50Z. */
function dnsDate(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** The `dnsdomain` object: the owner, names, token and fixed registrar fields (Nube hosts, it does not register). */
export function csDnsDomain(d: DnsDomainView): Record<string, unknown> {
  return {
    account: d.accountEmail,
    account_id: d.accountNumber,
    accountid: d.accountId,
    autorenew: false,
    created: dnsDate(d.created),
    expires: null,
    id: d.id,
    name: d.name,
    private_whois: false,
    registrant_id: null,
    state: 'hosted',
    token: d.token,
    unicodename: d.unicodeName,
    updated: dnsDate(d.updated),
  };
}

/** A record object (SOA content carries the domain's current serial). */
export function csDnsRecord(r: DnsRecordView): Record<string, unknown> {
  return {
    content: r.content,
    created_at: dnsDate(r.created),
    domain_id: r.domainId,
    id: r.id,
    name: r.name,
    priority: r.priority,
    record_type: r.type,
    ttl: r.ttl,
    updated_at: dnsDate(r.updated),
  };
}

/** The parameters naming a domain: its id or its name, one of which must be given. */
export const DOMAIN_REF = {
  name: param.string('the name of the DNS domain.').maxLength(253),
  id: param.long('the id of the DNS domain.'),
};

/** The parameters of a record's fields (create and update). */
export const RECORD_FIELDS = {
  record_name: param.string('the name of the record.').maxLength(253),
  record_type: param.string(
    'the type of record (A, AAAA, ALIAS, CAA, CNAME, HINFO, MX, NAPTR, NS, POOL, PTR, SPF, SRV, SSHFP, TXT, URL)',
  ),
  content: param.string('the record content'),
  ttl: param.long(
    `time to live (TTL), the number of seconds the record can be cached (${TTL_MIN} to ${TTL_MAX}; default ${DEFAULT_TTL})`,
  ),
  priority: param.long('the record priority, the lower number is the higher priority'),
};

/** The domain a request names. */
export function domainRef(p: { readonly name?: string; readonly id?: number }): { id?: number; name?: string } {
  return { id: p.id, name: p.name };
}
