/** Reads and small writes of the DNS tables shared by the domain and record operations. */
import type { Selectable } from 'kysely';
import type { Q } from '../../store/db.js';
import type { DnsDomainRow as DomainTable, DnsRecordRow as RecordTable } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { invalid, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { withSerial, type DnsRecordView, type DnsScope, type DomainRef } from './model.js';
import type { StoredRecordType } from './rules.js';

/** A stored domain row. */
export type DnsDomainRow = Selectable<DomainTable>;
/** A stored record row. */
export type DnsRecordRow = Selectable<RecordTable>;

/** The task log's object type of a domain. */
export const DOMAIN = 'dns domain';
/** The task log's object type of a record. */
export const RECORD = 'dns record';

/** A domain's records in creation order (a query to run). */
export function recordRows(q: Q, domainId: number) {
  return q.selectFrom('dns_records').selectAll().where('domain_id', '=', domainId).orderBy('id');
}

/** Whether a read in scope reaches past the caller's own account: only an admin's that asks to. */
export function everyAccount(ctx: CallContext, scope: DnsScope): boolean {
  return ctx.isAdmin && scope.allAccounts === true;
}

/** The caller's domain by id or name (any account's for an admin asking for all), or NotFound (another account's too). */
export async function domainRow(q: Q, ctx: CallContext, ref: DomainRef, scope: DnsScope = {}): Promise<DnsDomainRow> {
  if (ref.id === undefined && (ref.name === undefined || ref.name === ''))
    throw invalid('Either the id or the name of the domain must be given', 'id');
  let sel = q.selectFrom('dns_domains').selectAll();
  if (!everyAccount(ctx, scope)) sel = sel.where('account_id', '=', ctx.accountId);
  if (ref.id !== undefined) sel = sel.where('id', '=', ref.id);
  if (ref.name !== undefined && ref.name !== '') {
    const name = ref.name.trim().toLowerCase().replace(/\.$/, '');
    sel = sel.where((eb) => eb.or([eb('name', '=', name), eb('unicode_name', '=', name)]));
  }
  const row = await sel.executeTakeFirst();
  if (!row) throw notFound(DOMAIN, ref.name ?? String(ref.id), 'object');
  return { ...row, id: Number(row.id) };
}

/** A record of the domain, or NotFound. */
export async function recordRow(q: Q, domain: { id: number }, recordId: number): Promise<DnsRecordRow> {
  const row = await q
    .selectFrom('dns_records')
    .selectAll()
    .where('domain_id', '=', domain.id)
    .where('id', '=', recordId)
    .executeTakeFirst();
  if (!row) throw notFound(RECORD, String(recordId), 'object');
  return { ...row, id: Number(row.id) };
}

/** Moves the domain's SOA serial on by one in the caller's transaction and returns the new serial. */
export async function bumpSerial(q: Q, domainId: number): Promise<number> {
  const row = await q
    .updateTable('dns_domains')
    .set((eb) => ({ serial: eb('serial', '+', 1), updated_at: nowIso() }))
    .where('id', '=', domainId)
    .returning('serial')
    .executeTakeFirstOrThrow();
  return Number(row.serial);
}

/** A stored record as the core shows it (the SOA with the domain's current serial). */
export function recordView(r: DnsRecordRow, serial: number): DnsRecordView {
  return {
    id: Number(r.id),
    domainId: Number(r.domain_id),
    name: r.name,
    type: r.type as StoredRecordType,
    content: r.type === 'SOA' ? withSerial(r.content, serial) : r.content,
    ttl: r.ttl,
    priority: r.priority,
    disabled: Number(r.disabled) === 1,
    created: r.created_at,
    updated: r.updated_at,
  };
}
