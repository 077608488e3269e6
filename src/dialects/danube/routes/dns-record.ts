/** /dns/domain/(name)/record/: a hosted domain's records, the same records CloudStack's listDnsDomainRecords shows. */
import type { DnsRecordView } from '../../../core/dns/model.js';
import { DEFAULT_TTL, TTL_MAX } from '../../../core/dns/rules.js';
import { apiError, ok } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { coreRecordName, dnsCall, domainOf, readScope, recordView } from './dns-fields.js';

/** Fields GET sorts by. */
const ORDER = ['id', 'name', 'type', 'ttl', 'disabled', 'changed'];

/** The fields POST and PUT take (POST needs name, type and content). */
const FIELDS = {
  name: { type: 'str', maxLength: 253 },
  type: { type: 'str', maxLength: 10 },
  content: { type: 'str', maxLength: 65535 },
  ttl: { type: 'int', min: 0, max: TTL_MAX },
  prio: { type: 'int', min: 0, max: 65535 },
  disabled: { type: 'bool' },
} as const;

/** The record id in the path; anything but digits names no record. */
function recordIdOf(q: DanubeRequest): number {
  const raw = q.params.record_id ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw apiError(404, 'Record not found');
  return Number(raw);
}

/** Every record of the domain in the path (any account's for a SuperAdmin), with the domain's name. */
async function recordsOf(q: DanubeRequest): Promise<{ domain: string; records: DnsRecordView[] }> {
  const d = await domainOf(q, 'read');
  const page = await dnsCall(q, 'Domain', () => q.core.dns.records(q.ctx, { id: d.id }, readScope(q)));
  return { domain: d.name, records: page.items };
}

/** The record ids of a bulk DELETE: a list of whole numbers (es sends them as strings), else 412 `Invalid records`. */
function recordIdsOf(q: DanubeRequest): number[] {
  const ids = q.data.records;
  const isId = (i: unknown) =>
    (typeof i === 'number' && Number.isSafeInteger(i) && i >= 0) || (typeof i === 'string' && /^\d{1,15}$/.test(i));
  if (!Array.isArray(ids) || !ids.every(isId)) throw apiError(412, 'Invalid records');
  return ids.map(Number);
}

/** Creates a record from POST data: name, type and content required; ttl 3600 and prio 0 unless given. */
async function createRecord(q: DanubeRequest) {
  const d = await domainOf(q);
  const p = readParams(q, {
    ...FIELDS,
    name: { ...FIELDS.name, required: true },
    type: { ...FIELDS.type, required: true },
    content: { ...FIELDS.content, required: true },
    ttl: { ...FIELDS.ttl, default: DEFAULT_TTL },
    prio: { ...FIELDS.prio, default: 0 },
  });
  const made = await dnsCall(q, 'Record', () =>
    q.core.dns.createRecord(
      q.ctx,
      { id: d.id },
      {
        name: coreRecordName(p.name!),
        type: p.type!,
        content: p.content!,
        ttl: p.ttl!,
        priority: p.prio!,
        disabled: p.disabled ?? false,
      },
    ),
  );
  return ok(q, recordView(d.name, made.record), { status: 201, taskId: made.receipt.taskId });
}

/** Registers the record routes. */
export function dnsRecordRoutes(r: DanubeRouter): void {
  r.get(
    '/dns/domain/:name/record/',
    async (q) => {
      const { domain, records } = await recordsOf(q);
      const views = sortBy(
        q,
        records.map((rec) => recordView(domain, rec)),
        ORDER,
        'id',
      );
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.id));
    },
    "A domain's record ids, or records with full=true (SOA and NS included).",
  );
  r.post('/dns/domain/:name/record/', createRecord, 'Adds a record (name as an FQDN or @, type, content).');
  r.delete(
    '/dns/domain/:name/record/',
    async (q) => {
      const d = await domainOf(q);
      const ids = recordIdsOf(q);
      if (ids.length === 0) throw apiError(404, 'Record not found');
      const receipts = await dnsCall(q, 'Record', () => q.core.dns.deleteRecords(q.ctx, { id: d.id }, ids));
      return ok(q, null, { taskId: receipts[receipts.length - 1]!.taskId });
    },
    "Deletes the domain's records whose ids are in records, in one transaction: 404 when none is, 400 (none deleted) for the SOA.",
  );
  r.get(
    '/dns/domain/:name/record/:record_id/',
    async (q) => {
      const d = await domainOf(q, 'read');
      const id = recordIdOf(q);
      const rec = await dnsCall(q, 'Record', () => q.core.dns.record(q.ctx, { id: d.id }, id, readScope(q)));
      return ok(q, recordView(d.name, rec));
    },
    'One record (of any domain for a SuperAdmin).',
  );
  r.post(
    '/dns/domain/:name/record/:record_id/',
    async (q) => {
      const d = await domainOf(q);
      const id = recordIdOf(q);
      if (id === 0) return createRecord(q);
      await dnsCall(q, 'Record', () => q.core.dns.record(q.ctx, { id: d.id }, id));
      throw apiError(406, 'Record already exists');
    },
    'Adds a record when record_id is 0 (as POST on record/ does).',
  );
  r.put(
    '/dns/domain/:name/record/:record_id/',
    async (q) => {
      const d = await domainOf(q);
      const id = recordIdOf(q);
      const p = readParams(q, FIELDS);
      const old = await dnsCall(q, 'Record', () => q.core.dns.record(q.ctx, { id: d.id }, id));
      const changed = await dnsCall(q, 'Record', () =>
        q.core.dns.updateRecord(q.ctx, { id: d.id }, id, {
          ...(p.name !== undefined ? { name: coreRecordName(p.name) } : {}),
          ...(p.type !== undefined ? { type: p.type } : {}),
          ...(p.content !== undefined ? { content: p.content } : {}),
          ...(p.ttl !== undefined ? { ttl: p.ttl } : {}),
          priority: p.prio ?? old.priority ?? 0,
          ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
        }),
      );
      return ok(q, recordView(d.name, changed.record), { taskId: changed.receipt.taskId });
    },
    'Changes a record (what is not given stays; prio stays 0 when a record becomes MX or SRV); the SOA record cannot be changed.',
  );
  r.delete(
    '/dns/domain/:name/record/:record_id/',
    async (q) => {
      const d = await domainOf(q);
      const id = recordIdOf(q);
      const receipt = await dnsCall(q, 'Record', () => q.core.dns.deleteRecord(q.ctx, { id: d.id }, id));
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Deletes a record; the SOA record cannot be deleted.',
  );
}
