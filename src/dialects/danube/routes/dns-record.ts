/** /dns/domain/(name)/record/: a hosted domain's records, the same records CloudStack's listDnsDomainRecords shows. */
import type { DnsRecordView } from '../../../core/dns/model.js';
import { DEFAULT_TTL, TTL_MAX } from '../../../core/dns/rules.js';
import { apiError, failure, ok } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { coreRecordName, dnsCall, domainOf, recordView } from './dns-fields.js';

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

/** Every record of the domain in the path, with the domain's name. */
async function recordsOf(q: DanubeRequest): Promise<{ domain: string; domainId: number; records: DnsRecordView[] }> {
  const d = await domainOf(q);
  const page = await dnsCall(q, 'Domain', () => q.core.dns.records(q.ctx, { id: d.id }));
  return { domain: d.name, domainId: d.id, records: page.items };
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
      const ids = q.data.records;
      if (!Array.isArray(ids) || !ids.every((i) => /^\d{1,15}$/.test(String(i))))
        throw apiError(412, 'Invalid records');
      const { domainId, records } = await recordsOf(q);
      const wanted = new Set(ids.map(Number));
      const doomed = records.filter((rec) => wanted.has(rec.id));
      if (doomed.length === 0) throw apiError(404, 'Record not found');
      if (doomed.some((rec) => rec.type === 'SOA'))
        throw failure(q, { non_field_errors: ['SOA records are managed by Nube and cannot be deleted'] });
      let taskId: string | undefined;
      for (const rec of doomed)
        taskId = (await dnsCall(q, 'Record', () => q.core.dns.deleteRecord(q.ctx, { id: domainId }, rec.id))).taskId;
      return ok(q, null, taskId ? { taskId } : {});
    },
    'Deletes the records whose ids are in records (ids of other domains are skipped; 404 when none is left).',
  );
  r.get(
    '/dns/domain/:name/record/:record_id/',
    async (q) => {
      const d = await domainOf(q);
      const id = recordIdOf(q);
      return ok(q, recordView(d.name, await dnsCall(q, 'Record', () => q.core.dns.record(q.ctx, { id: d.id }, id))));
    },
    'One record.',
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
