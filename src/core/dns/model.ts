/** The DNS model as every dialect and the DNS server see it: hosted domains, their records and the SOA they answer with. */
import type { StoredRecordType } from './rules.js';

/** A domain named by its integer id or its name (the CloudStack commands accept either). */
export interface DomainRef {
  id?: number;
  name?: string;
}

/** A hosted domain: its names, owner, token (shown to its owner) and current SOA serial. */
export interface DnsDomainView {
  id: number;
  name: string;
  unicodeName: string;
  accountId: string;
  accountName: string;
  accountEmail: string;
  /** The owner's account number (what integer-id dialects show). */
  accountNumber: number;
  token: string;
  serial: number;
  /** The owner's free-text note (Danube's desc). */
  description: string;
  created: string;
  updated: string;
}

/** A record of a domain; name relative to the zone ('' = apex); SOA content carries the domain's current serial. */
export interface DnsRecordView {
  id: number;
  domainId: number;
  name: string;
  type: StoredRecordType;
  content: string;
  ttl: number;
  priority: number | null;
  /** Kept and listed, but not served by the DNS server nor written to the zone file. */
  disabled: boolean;
  created: string;
  updated: string;
}

/** What a caller gives to create a record (or changes of one to update it). */
export interface RecordInput {
  name?: string;
  type?: string;
  content?: string;
  ttl?: number;
  priority?: number;
  disabled?: boolean;
}

/**
 * Whose domains a read reaches: an admin may ask for every account's (Danube's SuperAdmins see all domains); for anyone
 * else allAccounts is ignored and the read stays within their own account.
 */
export interface DnsScope {
  allAccounts?: boolean;
}

/** Filters and paging of a domain list. */
export interface DomainFilter extends DnsScope {
  name?: string;
  page?: number;
  pageSize?: number;
}

/** Filters and paging of a record list. */
export interface RecordFilter extends DnsScope {
  name?: string;
  type?: string;
  page?: number;
  pageSize?: number;
}

/** One hosted zone as the DNS server answers from it: its name, serial and every record, read in one go. */
export interface HostedZone {
  id: number;
  name: string;
  serial: number;
  records: DnsRecordView[];
}

/** The fixed SOA timers of a new zone: refresh, retry, expire, negative-answer TTL (seconds), and the SOA's own TTL. */
export const SOA_TIMERS = { refresh: 86400, retry: 7200, expire: 604800, minimum: 300, ttl: 3600 } as const;

/** The parts of a SOA content `mname rname serial refresh retry expire minimum`. */
export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** Parses a SOA content as the records list shows it. */
export function parseSoa(content: string): SoaData {
  const [mname = '', rname = '', serial, refresh, retry, expire, minimum] = content.split(/\s+/);
  return {
    mname,
    rname,
    serial: Number(serial),
    refresh: Number(refresh),
    retry: Number(retry),
    expire: Number(expire),
    minimum: Number(minimum),
  };
}

/** A SOA content with another serial. */
export function withSerial(content: string, serial: number): string {
  const parts = content.split(/\s+/);
  parts[2] = String(serial);
  return parts.join(' ');
}
