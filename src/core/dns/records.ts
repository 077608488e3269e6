/** Record changes of hosted domains: content checked per type, CNAME rules, and the SOA serial moved in the same transaction. */
import type { Q, Store } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { recordName } from './names.js';
import { recordData, recordTtl, recordType, type RecordType } from './rules.js';
import type { DnsRecordView, DomainRef, RecordInput } from './model.js';
import { bumpSerial, domainRow, RECORD, recordRow, recordView, type DnsRecordRow } from './rows.js';

/** Records one domain may hold, so no caller can grow a zone (and every answer read from it) without bound. */
const MAX_RECORDS = 10000;

/** Adds a record, its content checked for its type; a CNAME shares its name with no other record. */
export async function addRecord(
  store: Store,
  ctx: CallContext,
  ref: DomainRef,
  input: RecordInput,
): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
  return store.tx(async (trx) => {
    const domain = await domainRow(trx, ctx, ref);
    const type = recordType(input.type);
    const name = recordName(input.name, domain.name);
    const { content, priority } = recordData(type, input.content, input.priority);
    const ttl = recordTtl(input.ttl);
    await assertCoexists(trx, domain, name, type);
    const n = await trx
      .selectFrom('dns_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('domain_id', '=', domain.id)
      .executeTakeFirstOrThrow();
    if (Number(n.n) >= MAX_RECORDS) throw conflict(`A domain holds at most ${MAX_RECORDS} records`, 'precondition');
    const now = nowIso();
    const row = await trx
      .insertInto('dns_records')
      .values({
        domain_id: domain.id,
        name,
        type,
        content,
        ttl,
        priority,
        disabled: input.disabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return settled(trx, ctx, domain.name, row, 'create');
  });
}

/** Changes a record's name, type, content, TTL or priority (what is not given stays); SOA records cannot be changed. */
export async function changeRecord(
  store: Store,
  ctx: CallContext,
  ref: DomainRef,
  recordId: number,
  input: RecordInput,
): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
  return store.tx(async (trx) => {
    const domain = await domainRow(trx, ctx, ref);
    const old = await recordRow(trx, domain, recordId);
    if (old.type === 'SOA') throw invalid('SOA records are managed by Nube and cannot be changed', 'record_id');
    const type = recordType(input.type ?? old.type);
    const name = input.name === undefined ? old.name : recordName(input.name, domain.name);
    const { content, priority } = recordData(
      type,
      input.content ?? old.content,
      input.priority ?? (type === old.type ? (old.priority ?? undefined) : undefined),
    );
    const ttl = input.ttl === undefined ? old.ttl : recordTtl(input.ttl);
    await assertCoexists(trx, domain, name, type, old.id);
    const row = await trx
      .updateTable('dns_records')
      .set({
        name,
        type,
        content,
        ttl,
        priority,
        disabled: input.disabled === undefined ? old.disabled : input.disabled ? 1 : 0,
        updated_at: nowIso(),
      })
      .where('id', '=', old.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return settled(trx, ctx, domain.name, row, 'update');
  });
}

/** Deletes a record; the SOA record cannot be deleted. */
export async function removeRecord(
  store: Store,
  ctx: CallContext,
  ref: DomainRef,
  recordId: number,
): Promise<TaskReceipt> {
  return store.tx(async (trx) => {
    const domain = await domainRow(trx, ctx, ref);
    const row = await recordRow(trx, domain, recordId);
    if (row.type === 'SOA') throw invalid('SOA records are managed by Nube and cannot be deleted', 'record_id');
    await trx.deleteFrom('dns_records').where('id', '=', row.id).execute();
    await bumpSerial(trx, domain.id);
    return recordSyncChange(trx, {
      objectType: RECORD,
      objectId: String(row.id),
      ctx,
      payload: { action: 'delete', domain: domain.name, name: row.name, type: row.type },
    });
  });
}

/**
 * Deletes those of the given ids that are records of the domain, in one transaction (ids of other domains are passed
 * over, as Danube Cloud does); NotFound when none is, Invalid (and nothing deleted) when one is the SOA. Each deleted
 * record moves the serial and is logged, as a single delete does.
 */
export async function removeRecords(
  store: Store,
  ctx: CallContext,
  ref: DomainRef,
  recordIds: readonly number[],
): Promise<TaskReceipt[]> {
  const ids = [...new Set(recordIds)];
  // A domain holds at most MAX_RECORDS records; a longer list is refused before it reaches the database.
  if (ids.length > MAX_RECORDS) throw invalid(`At most ${MAX_RECORDS} records can be deleted at once`, 'records');
  return store.tx(async (trx) => {
    const domain = await domainRow(trx, ctx, ref);
    const soa = ids.length
      ? await trx
          .selectFrom('dns_records')
          .select('id')
          .where('domain_id', '=', domain.id)
          .where('id', 'in', ids)
          .where('type', '=', 'SOA')
          .executeTakeFirst()
      : undefined;
    if (soa) throw invalid('SOA records are managed by Nube and cannot be deleted', 'record_id');
    const gone = ids.length
      ? await trx
          .deleteFrom('dns_records')
          .where('domain_id', '=', domain.id)
          .where('id', 'in', ids)
          .returning(['id', 'name', 'type'])
          .execute()
      : [];
    if (gone.length === 0) throw notFound(RECORD, ids.join(',') || '(none)', 'object');
    const receipts: TaskReceipt[] = [];
    for (const row of gone.sort((x, y) => Number(x.id) - Number(y.id))) {
      await bumpSerial(trx, domain.id);
      receipts.push(
        await recordSyncChange(trx, {
          objectType: RECORD,
          objectId: String(row.id),
          ctx,
          payload: { action: 'delete', domain: domain.name, name: row.name, type: row.type },
        }),
      );
    }
    return receipts;
  });
}

/** A CNAME is alone at its name and never at the apex; no other record joins a CNAME. */
async function assertCoexists(
  q: Q,
  domain: { id: number },
  name: string,
  type: RecordType,
  except?: number,
): Promise<void> {
  if (type === 'CNAME' && name === '')
    throw invalid('A CNAME record cannot be at the apex of the domain (use ALIAS)', 'record_name');
  let sel = q.selectFrom('dns_records').select('type').where('domain_id', '=', domain.id).where('name', '=', name);
  if (except !== undefined) sel = sel.where('id', '!=', except);
  const others = (await sel.execute()).map((r) => r.type);
  if (type === 'CNAME' && others.length)
    throw invalid(`A CNAME record cannot share its name with other records (${name} has some)`, 'record_name');
  if (type !== 'CNAME' && others.includes('CNAME'))
    throw invalid(`${name} has a CNAME record, which cannot share its name with other records`, 'record_name');
}

/** Moves the zone's serial on and logs the change of row, in the change's transaction: the receipt and the record as shown. */
async function settled(
  trx: Q,
  ctx: CallContext,
  domain: string,
  row: DnsRecordRow,
  action: 'create' | 'update',
): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
  const serial = await bumpSerial(trx, Number(row.domain_id));
  const receipt = await recordSyncChange(trx, {
    objectType: RECORD,
    objectId: String(row.id),
    ctx,
    payload: { action, domain, name: row.name, type: row.type },
  });
  return { receipt, record: recordView(row, serial) };
}
