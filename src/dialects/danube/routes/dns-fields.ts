/**
 * Shared by the /dns/ routes: domains and records as Danube shows them, record names between Danube's FQDNs and the
 * core's zone-relative names, and core errors in Danube's terms (field names, "Domain not found", 406 on a taken name).
 */
import type { DnsDomainView, DnsRecordView, DnsScope } from '../../../core/dns/model.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, failure } from '../answers.js';
import type { DanubeRequest } from '../request.js';

/** The only domain type and access this server keeps (Nube's zones are all masters, private to their account). */
const DOMAIN_DEFAULTS = { type: 'MASTER', access: 3, dc_bound: false } as const;

/** A domain as Danube shows it; extended adds its record count, DCs and TSIG keys. */
export function domainView(d: DnsDomainView, records?: number) {
  return {
    name: d.name,
    owner: d.accountName,
    type: DOMAIN_DEFAULTS.type,
    access: DOMAIN_DEFAULTS.access,
    desc: d.description,
    created: d.created,
    dc_bound: DOMAIN_DEFAULTS.dc_bound,
    ...(records === undefined ? {} : { records, dcs: [] as string[], tsig_keys: [] as string[] }),
  };
}

/** A record as Danube shows it: an absolute name, prio 0 when the type has none; a disabled record is not served. */
export function recordView(domain: string, r: DnsRecordView) {
  return {
    id: r.id,
    domain,
    name: r.name === '' ? domain : `${r.name}.${domain}`,
    type: r.type,
    content: r.content,
    ttl: r.ttl,
    prio: r.priority ?? 0,
    disabled: r.disabled,
    changed: r.updated,
  };
}

/** A Danube record name (an FQDN, or @ for the apex) as the core reads it: absolute, with a trailing dot. */
export function coreRecordName(name: string): string {
  const n = name.trim().toLowerCase();
  return n === '@' ? '@' : `${n.replace(/\.$/, '')}.`;
}

/** Core field names as the /dns/ parameters call them. */
const DNS_FIELDS: Readonly<Record<string, string>> = {
  record_name: 'name',
  record_type: 'type',
  priority: 'prio',
  description: 'desc',
  record_id: 'non_field_errors',
  id: 'non_field_errors',
};

/** What a NotFound from a core call means: the domain in the path, or a record of it. */
type DnsObject = 'Domain' | 'Record';

/**
 * Runs a core DNS call in Danube's terms: Invalid becomes a FAILURE envelope with the /dns/ field names, NotFound
 * "<what> not found", and a name hosted already 406 "<what> already exists".
 */
export async function dnsCall<T>(q: DanubeRequest, what: DnsObject, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof CoreError)) throw err;
    if (err.kind === 'NotFound') throw apiError(404, `${what} not found`);
    if (err.kind === 'Conflict' && err.reason === 'exists') throw apiError(406, `${what} already exists`);
    if (err.kind !== 'Invalid') throw err;
    const out: Record<string, string[]> = {};
    for (const [f, msgs] of Object.entries(err.fields)) {
      const name = DNS_FIELDS[f] ?? f;
      out[name] = [...(out[name] ?? []), ...msgs];
    }
    if (Object.keys(out).length === 0) out.non_field_errors = [err.message];
    throw failure(q, out);
  }
}

/** What a read of /dns/ reaches: for a SuperAdmin every account's domains (as Danube's staff see them), else the caller's. */
export function readScope(q: DanubeRequest): DnsScope {
  return { allAccounts: q.user.isSuperAdmin };
}

/**
 * The domain named in the path: the caller's own, or for a read by a SuperAdmin any account's; another's is "Domain not
 * found" (changes reach only the caller's own domains).
 */
export function domainOf(q: DanubeRequest, use: 'read' | 'change' = 'change'): Promise<DnsDomainView> {
  const scope = use === 'read' ? readScope(q) : {};
  return dnsCall(q, 'Domain', () => q.core.dns.get(q.ctx, { name: q.params.name ?? '' }, scope));
}

/**
 * Refuses, as FAILURE field errors, settings this server does not keep: another owner, a type other than MASTER, public
 * access, DC binding or TSIG keys.
 */
export function refuseUnkept(q: DanubeRequest, given: Record<string, unknown>): void {
  const errors: Record<string, string[]> = {};
  const fixed: Record<string, unknown> = { ...DOMAIN_DEFAULTS, tsig_keys: '' };
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (field === 'owner') {
      if (value !== q.user.username && value !== q.ctx.accountName)
        errors.owner = ['A domain belongs to the account of the user who creates it.'];
    } else if (field in fixed && value !== fixed[field])
      errors[field] = [`This server keeps only ${field}=${JSON.stringify(fixed[field])}.`];
  }
  if (Object.keys(errors).length > 0) throw failure(q, errors);
}
