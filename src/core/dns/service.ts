/**
 * DnsService: the caller's hosted domains and their records (dialect-neutral), and the read the DNS server answers
 * from. Every change bumps the domain's SOA serial in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import { isUniqueViolation, type Q } from '../../store/db.js';
import type { Selectable } from 'kysely';
import type { DnsDomainRow as DomainTable, DnsRecordRow as RecordTable } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { countedPage } from '../../store/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { numberedAliases } from '../aliases/service.js';
import { domainName, recordName } from './names.js';
import {
  domainDescription,
  recordData,
  recordTtl,
  recordType,
  type RecordType,
  type StoredRecordType,
} from './rules.js';
import { renderZoneFile } from './zone-file.js';
import {
  SOA_TIMERS,
  withSerial,
  type DnsDomainView,
  type DnsRecordView,
  type DomainFilter,
  type DomainRef,
  type HostedZone,
  type RecordFilter,
  type RecordInput,
} from './model.js';

type DnsDomainRow = Selectable<DomainTable>;
type DnsRecordRow = Selectable<RecordTable>;

const DOMAIN = 'dns domain';
const RECORD = 'dns record';
/** Records one domain may hold, so no caller can grow a zone (and every answer read from it) without bound. */
const MAX_RECORDS = 10000;

/** Hosted domains and records for every dialect; the DNS server reads zones through hostedZone. */
export class DnsService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the caller's domains, by name. */
  async list(ctx: CallContext, f: DomainFilter = {}): Promise<Page<DnsDomainView>> {
    let q = this.deps.store.db.selectFrom('dns_domains').where('account_id', '=', ctx.accountId);
    if (f.name) q = q.where('name', '=', domainName(f.name).name);
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('name'), f);
    return { count, items: await this.domainViews(ctx, rows) };
  }

  /** One of the caller's domains by id or name; another account's is NotFound. */
  async get(ctx: CallContext, ref: DomainRef): Promise<DnsDomainView> {
    return (await this.domainViews(ctx, [await this.domainRow(this.deps.store.db, ctx, ref)]))[0]!;
  }

  /** Hosts a new domain with its SOA and NS records; a name hosted already (by anyone) is a Conflict. */
  async create(
    ctx: CallContext,
    name: string,
    opts: { description?: string } = {},
  ): Promise<{ receipt: TaskReceipt; domain: DnsDomainView }> {
    const n = domainName(name);
    const description = domainDescription(opts.description);
    const { nameservers, contact } = this.deps.config.dns;
    const now = nowIso();
    const serial = Math.floor(Date.now() / 1000);
    try {
      const { receipt, row } = await this.deps.store.tx(async (trx) => {
        await this.assertFree(trx, n.name);
        const row = await trx
          .insertInto('dns_domains')
          .values({
            account_id: ctx.accountId,
            name: n.name,
            unicode_name: n.unicodeName,
            token_enc: this.deps.secrets.encrypt(newToken()),
            serial,
            description,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const { refresh, retry, expire, minimum, ttl } = SOA_TIMERS;
        const base = { domain_id: Number(row.id), name: '', ttl, priority: null, created_at: now, updated_at: now };
        await trx
          .insertInto('dns_records')
          .values([
            {
              ...base,
              type: 'SOA',
              content: `${nameservers[0]} ${contact} ${serial} ${refresh} ${retry} ${expire} ${minimum}`,
            },
            ...nameservers.map((ns) => ({ ...base, type: 'NS', content: ns })),
          ])
          .execute();
        const receipt = await recordSyncChange(trx, {
          objectType: DOMAIN,
          objectId: String(row.id),
          ctx,
          payload: { action: 'create', name: n.name },
        });
        return { receipt, row };
      });
      return { receipt, domain: await this.get(ctx, { id: Number(row.id) }) };
    } catch (err) {
      if (isUniqueViolation(err)) throw hostedAlready(n.name);
      throw err;
    }
  }

  /** Changes a domain's description (its name never changes; nothing served changes, so the serial stays). */
  async update(
    ctx: CallContext,
    ref: DomainRef,
    input: { description?: string },
  ): Promise<{ receipt: TaskReceipt; domain: DnsDomainView }> {
    const { receipt, id } = await this.deps.store.tx(async (trx) => {
      const row = await this.domainRow(trx, ctx, ref);
      if (input.description !== undefined) {
        await trx
          .updateTable('dns_domains')
          .set({ description: domainDescription(input.description), updated_at: nowIso() })
          .where('id', '=', row.id)
          .execute();
      }
      const receipt = await recordSyncChange(trx, {
        objectType: DOMAIN,
        objectId: String(row.id),
        ctx,
        payload: { action: 'update', name: row.name },
      });
      return { receipt, id: row.id };
    });
    return { receipt, domain: await this.get(ctx, { id }) };
  }

  /** Stops hosting a domain: it and all its records are deleted. */
  async delete(ctx: CallContext, ref: DomainRef): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await this.domainRow(trx, ctx, ref);
      await trx.deleteFrom('dns_records').where('domain_id', '=', row.id).execute();
      await trx.deleteFrom('dns_domains').where('id', '=', row.id).execute();
      return recordSyncChange(trx, {
        objectType: DOMAIN,
        objectId: String(row.id),
        ctx,
        payload: { action: 'delete', name: row.name },
      });
    });
  }

  /** Replaces a domain's token with a new random one (the old one stops being shown). */
  async resetToken(ctx: CallContext, ref: DomainRef): Promise<{ receipt: TaskReceipt; domain: DnsDomainView }> {
    const { receipt, id } = await this.deps.store.tx(async (trx) => {
      const row = await this.domainRow(trx, ctx, ref);
      await trx
        .updateTable('dns_domains')
        .set({ token_enc: this.deps.secrets.encrypt(newToken()), updated_at: nowIso() })
        .where('id', '=', row.id)
        .execute();
      const receipt = await recordSyncChange(trx, {
        objectType: DOMAIN,
        objectId: String(row.id),
        ctx,
        payload: { action: 'reset_token', name: row.name },
      });
      return { receipt, id: Number(row.id) };
    });
    return { receipt, domain: await this.get(ctx, { id }) };
  }

  /** A domain with its records as an RFC 1035 zone file. */
  async zoneFile(ctx: CallContext, ref: DomainRef): Promise<{ domain: DnsDomainView; zoneFile: string }> {
    const domain = await this.get(ctx, ref);
    const rows = await this.recordRows(this.deps.store.db, domain.id).execute();
    return {
      domain,
      zoneFile: renderZoneFile(
        domain.name,
        rows.filter((r) => !r.disabled).map((r) => recordView(r, domain.serial)),
      ),
    };
  }

  /** One page of a domain's records (SOA and NS included), in creation order. */
  async records(ctx: CallContext, ref: DomainRef, f: RecordFilter = {}): Promise<Page<DnsRecordView>> {
    const domain = await this.domainRow(this.deps.store.db, ctx, ref);
    let q = this.deps.store.db.selectFrom('dns_records').where('domain_id', '=', domain.id);
    if (f.name !== undefined) q = q.where('name', '=', recordName(f.name, domain.name));
    if (f.type !== undefined) q = q.where('type', '=', f.type.trim().toUpperCase());
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('id'), f);
    return { count, items: rows.map((r) => recordView(r, Number(domain.serial))) };
  }

  /** One record of one of the caller's domains. */
  async record(ctx: CallContext, ref: DomainRef, recordId: number): Promise<DnsRecordView> {
    const domain = await this.domainRow(this.deps.store.db, ctx, ref);
    return recordView(await this.recordRow(this.deps.store.db, domain, recordId), Number(domain.serial));
  }

  /** Adds a record, its content checked for its type; a CNAME shares its name with no other record. */
  async createRecord(
    ctx: CallContext,
    ref: DomainRef,
    input: RecordInput,
  ): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
    return this.deps.store.tx(async (trx) => {
      const domain = await this.domainRow(trx, ctx, ref);
      const type = recordType(input.type);
      const name = recordName(input.name, domain.name);
      const { content, priority } = recordData(type, input.content, input.priority);
      const ttl = recordTtl(input.ttl);
      await this.assertCoexists(trx, domain, name, type);
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
      const serial = await bumpSerial(trx, domain.id);
      const receipt = await recordSyncChange(trx, {
        objectType: RECORD,
        objectId: String(row.id),
        ctx,
        payload: { action: 'create', domain: domain.name, name, type },
      });
      return { receipt, record: recordView(row, serial) };
    });
  }

  /** Changes a record's name, type, content, TTL or priority (what is not given stays); SOA records cannot be changed. */
  async updateRecord(
    ctx: CallContext,
    ref: DomainRef,
    recordId: number,
    input: RecordInput,
  ): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
    return this.deps.store.tx(async (trx) => {
      const domain = await this.domainRow(trx, ctx, ref);
      const old = await this.recordRow(trx, domain, recordId);
      if (old.type === 'SOA') throw invalid('SOA records are managed by Nube and cannot be changed', 'record_id');
      const type = recordType(input.type ?? old.type);
      const name = input.name === undefined ? old.name : recordName(input.name, domain.name);
      const { content, priority } = recordData(
        type,
        input.content ?? old.content,
        input.priority ?? (type === old.type ? (old.priority ?? undefined) : undefined),
      );
      const ttl = input.ttl === undefined ? old.ttl : recordTtl(input.ttl);
      await this.assertCoexists(trx, domain, name, type, old.id);
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
      const serial = await bumpSerial(trx, domain.id);
      const receipt = await recordSyncChange(trx, {
        objectType: RECORD,
        objectId: String(row.id),
        ctx,
        payload: { action: 'update', domain: domain.name, name, type },
      });
      return { receipt, record: recordView(row, serial) };
    });
  }

  /** Deletes a record; the SOA record cannot be deleted. */
  async deleteRecord(ctx: CallContext, ref: DomainRef, recordId: number): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const domain = await this.domainRow(trx, ctx, ref);
      const row = await this.recordRow(trx, domain, recordId);
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
   * The hosted zone that holds the absolute name fqdn (the longest hosted suffix), with all its records, read in one
   * snapshot; undefined when no hosted zone holds it. For the DNS server: it takes no caller.
   */
  async hostedZone(fqdn: string): Promise<HostedZone | undefined> {
    const labels = fqdn.toLowerCase().replace(/\.$/, '').split('.');
    const candidates = labels.map((_, i) => labels.slice(i).join('.')).filter((n) => n.includes('.'));
    if (!candidates.length) return undefined;
    return this.deps.store.tx(async (trx) => {
      const rows = await trx.selectFrom('dns_domains').selectAll().where('name', 'in', candidates).execute();
      const row = rows.sort((a, b) => b.name.length - a.name.length)[0];
      if (!row) return undefined;
      const serial = Number(row.serial);
      const records = await this.recordRows(trx, Number(row.id)).execute();
      const served = records.filter((r) => !r.disabled).map((r) => recordView(r, serial));
      return { id: Number(row.id), name: row.name, serial, records: served };
    });
  }

  private recordRows(q: Q, domainId: number) {
    return q.selectFrom('dns_records').selectAll().where('domain_id', '=', domainId).orderBy('id');
  }

  private async domainRow(q: Q, ctx: CallContext, ref: DomainRef): Promise<DnsDomainRow> {
    if (ref.id === undefined && (ref.name === undefined || ref.name === ''))
      throw invalid('Either the id or the name of the domain must be given', 'id');
    let sel = q.selectFrom('dns_domains').selectAll().where('account_id', '=', ctx.accountId);
    if (ref.id !== undefined) sel = sel.where('id', '=', ref.id);
    if (ref.name !== undefined && ref.name !== '') {
      const name = ref.name.trim().toLowerCase().replace(/\.$/, '');
      sel = sel.where((eb) => eb.or([eb('name', '=', name), eb('unicode_name', '=', name)]));
    }
    const row = await sel.executeTakeFirst();
    if (!row) throw notFound(DOMAIN, ref.name ?? String(ref.id), 'object');
    return { ...row, id: Number(row.id) };
  }

  private async recordRow(q: Q, domain: { id: number }, recordId: number): Promise<DnsRecordRow> {
    const row = await q
      .selectFrom('dns_records')
      .selectAll()
      .where('domain_id', '=', domain.id)
      .where('id', '=', recordId)
      .executeTakeFirst();
    if (!row) throw notFound(RECORD, String(recordId), 'object');
    return { ...row, id: Number(row.id) };
  }

  private async assertFree(q: Q, name: string): Promise<void> {
    const dup = await q.selectFrom('dns_domains').select('id').where('name', '=', name).executeTakeFirst();
    if (dup) throw hostedAlready(name);
  }

  /** A CNAME is alone at its name and never at the apex; no other record joins a CNAME. */
  private async assertCoexists(
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

  private async domainViews(ctx: CallContext, rows: DnsDomainRow[]): Promise<DnsDomainView[]> {
    if (!rows.length) return [];
    const account = await this.deps.store.db
      .selectFrom('accounts')
      .select(['email', 'name'])
      .where('id', '=', ctx.accountId)
      .executeTakeFirst();
    const numbers = await numberedAliases(this.deps.store, 'account', 'number', [ctx.accountId]);
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      unicodeName: r.unicode_name,
      accountId: r.account_id,
      accountName: account?.name ?? ctx.accountName,
      accountEmail: account?.email ?? '',
      accountNumber: numbers.get(ctx.accountId) ?? 0,
      token: this.deps.secrets.decrypt(r.token_enc),
      serial: Number(r.serial),
      description: r.description,
      created: r.created_at,
      updated: r.updated_at,
    }));
  }
}

/** A new domain token: 32 hex digits. */
function newToken(): string {
  return randomBytes(16).toString('hex');
}

function hostedAlready(name: string) {
  return conflict(`The domain ${name} is already hosted`, 'exists');
}

/** Moves the domain's SOA serial on by one in the caller's transaction and returns the new serial. */
async function bumpSerial(q: Q, domainId: number): Promise<number> {
  const row = await q
    .updateTable('dns_domains')
    .set((eb) => ({ serial: eb('serial', '+', 1), updated_at: nowIso() }))
    .where('id', '=', domainId)
    .returning('serial')
    .executeTakeFirstOrThrow();
  return Number(row.serial);
}

function recordView(r: DnsRecordRow, serial: number): DnsRecordView {
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
