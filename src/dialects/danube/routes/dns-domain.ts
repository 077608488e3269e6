/** /dns/domain/: the caller's hosted DNS domains (a SuperAdmin reads all), as CloudStack lists them (records: dns-record.ts). */
import type { DnsDomainView } from '../../../core/dns/model.js';
import { failure, ok } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { dnsCall, domainOf, domainView, readScope, refuseUnkept } from './dns-fields.js';

/** The fields POST and PUT take. */
const FIELDS = {
  name: { type: 'str', maxLength: 253 },
  type: { type: 'str', choices: ['MASTER', 'NATIVE'] },
  owner: { type: 'str', maxLength: 254 },
  access: { type: 'int', choices: [1, 3] },
  desc: { type: 'str', maxLength: 128 },
  tsig_keys: { type: 'str', maxLength: 4096 },
  dc_bound: { type: 'bool' },
  dc: { type: 'str', maxLength: 64 },
} as const;

/** A domain as GET shows it: with extended=true, also its record count. */
async function shown(q: DanubeRequest, d: DnsDomainView) {
  if (!flag(q, 'extended')) return domainView(d);
  const records = await q.core.dns.records(q.ctx, { id: d.id }, { pageSize: 1, ...readScope(q) });
  return domainView(d, records.count);
}

/** Reads POST/PUT data, refusing what this server cannot keep (see refuseUnkept); the description is kept. */
function readDomain(q: DanubeRequest): { desc?: string } {
  const p = readParams(q, FIELDS);
  const { type, owner, access, dc_bound, tsig_keys } = p;
  refuseUnkept(q, { type, owner, access, dc_bound, tsig_keys: tsig_keys?.trim() });
  return { desc: p.desc };
}

/** Registers the domain routes. */
export function dnsDomainRoutes(r: DanubeRouter): void {
  r.get(
    '/dns/domain/',
    async (q) => {
      const domains = (await q.core.dns.list(q.ctx, readScope(q))).items;
      const full = flag(q, 'full') || flag(q, 'extended');
      const views = await Promise.all(domains.map((d) => (full ? shown(q, d) : domainView(d))));
      const sorted = sortBy(q, views, ['name', 'created'], 'name');
      return ok(q, full ? sorted : sorted.map((v) => v.name));
    },
    "Your DNS domains (a SuperAdmin's: every account's): names, or objects with full=true (extended=true adds record counts).",
  );
  r.get('/dns/domain/:name/', async (q) => ok(q, await shown(q, await domainOf(q, 'read'))), 'One DNS domain.');
  r.post(
    '/dns/domain/:name/',
    async (q) => {
      const { desc } = readDomain(q);
      const name = q.params.name ?? '';
      if (q.data.name !== undefined && String(q.data.name).toLowerCase() !== name.toLowerCase()) throw renamed(q);
      const made = await dnsCall(q, 'Domain', () => q.core.dns.create(q.ctx, name, { description: desc }));
      return ok(q, domainView(made.domain), { status: 201, taskId: made.receipt.taskId });
    },
    'Hosts a new DNS domain (type MASTER, private) with its SOA and NS records; 406 when it is hosted already.',
  );
  r.put(
    '/dns/domain/:name/',
    async (q) => {
      const d = await domainOf(q);
      const { desc } = readDomain(q);
      if (q.data.name !== undefined && String(q.data.name).toLowerCase() !== d.name) throw renamed(q);
      if (desc === undefined) return ok(q, domainView(d));
      const changed = await dnsCall(q, 'Domain', () => q.core.dns.update(q.ctx, { id: d.id }, { description: desc }));
      return ok(q, domainView(changed.domain), { taskId: changed.receipt.taskId });
    },
    "Changes a DNS domain's description (the name cannot change; type, access and DC binding are fixed: 400 for a change).",
  );
  r.delete(
    '/dns/domain/:name/',
    async (q) => {
      const d = await domainOf(q);
      const receipt = await dnsCall(q, 'Domain', () => q.core.dns.delete(q.ctx, { id: d.id }));
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Stops hosting a DNS domain: it and all its records are deleted.',
  );
}

/** A domain keeps the name it was created with: a FAILURE on the name field. */
function renamed(q: DanubeRequest) {
  return failure(q, { name: ['A domain keeps the name in its path; renaming is not supported.'] });
}
