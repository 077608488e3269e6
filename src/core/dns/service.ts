/**
 * DnsService: the caller's hosted domains and their records (dialect-neutral), and the read the DNS server answers
 * from. Every change bumps the domain's SOA serial in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import { isUniqueViolation, type Q } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { countedPage } from '../../store/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { numberedAliases } from '../aliases/service.js';
import { domainName, recordName } from './names.js';
import { domainDescription } from './rules.js';
import { renderZoneFile } from './zone-file.js';
import { addRecord, changeRecord, removeRecord, removeRecords } from './records.js';
import { DOMAIN, domainRow, everyAccount, recordRow, recordRows, recordView, type DnsDomainRow } from './rows.js';
import {
  SOA_TIMERS,
  type DnsDomainView,
  type DnsRecordView,
  type DnsScope,
  type DomainFilter,
  type DomainRef,
  type HostedZone,
  type RecordFilter,
  type RecordInput,
} from './model.js';

/** Hosted domains and records for every dialect; the DNS server reads zones through hostedZone. */
export class DnsService {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the caller's domains (an admin's with allAccounts: every account's), by name. */
  async list(ctx: CallContext, f: DomainFilter = {}): Promise<Page<DnsDomainView>> {
    let q = this.deps.store.db.selectFrom('dns_domains');
    if (!everyAccount(ctx, f)) q = q.where('account_id', '=', ctx.accountId);
    if (f.name) q = q.where('name', '=', domainName(f.name).name);
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('name'), f);
    return { count, items: await this.domainViews(ctx, rows) };
  }

  /** One of the caller's domains by id or name; another account's is NotFound (unless an admin asks for all). */
  async get(ctx: CallContext, ref: DomainRef, scope: DnsScope = {}): Promise<DnsDomainView> {
    return (await this.domainViews(ctx, [await domainRow(this.deps.store.db, ctx, ref, scope)]))[0]!;
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
    const set = input.description === undefined ? {} : { description: domainDescription(input.description) };
    return this.changeDomain(ctx, ref, 'update', set);
  }

  /** Stops hosting a domain: it and all its records are deleted. */
  async delete(ctx: CallContext, ref: DomainRef): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await domainRow(trx, ctx, ref);
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
    return this.changeDomain(ctx, ref, 'reset_token', { token_enc: this.deps.secrets.encrypt(newToken()) });
  }

  /** Sets columns of one of the caller's domains and logs the change, in one transaction; answers the domain as it is now. */
  private async changeDomain(
    ctx: CallContext,
    ref: DomainRef,
    action: string,
    set: { description?: string; token_enc?: string },
  ): Promise<{ receipt: TaskReceipt; domain: DnsDomainView }> {
    const { receipt, id } = await this.deps.store.tx(async (trx) => {
      const row = await domainRow(trx, ctx, ref);
      if (Object.keys(set).length) {
        await trx
          .updateTable('dns_domains')
          .set({ ...set, updated_at: nowIso() })
          .where('id', '=', row.id)
          .execute();
      }
      const receipt = await recordSyncChange(trx, {
        objectType: DOMAIN,
        objectId: String(row.id),
        ctx,
        payload: { action, name: row.name },
      });
      return { receipt, id: Number(row.id) };
    });
    return { receipt, domain: await this.get(ctx, { id }) };
  }

  /** A domain with its records as an RFC 1035 zone file. */
  async zoneFile(ctx: CallContext, ref: DomainRef): Promise<{ domain: DnsDomainView; zoneFile: string }> {
    const domain = await this.get(ctx, ref);
    const rows = await recordRows(this.deps.store.db, domain.id).execute();
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
    const domain = await domainRow(this.deps.store.db, ctx, ref, f);
    let q = this.deps.store.db.selectFrom('dns_records').where('domain_id', '=', domain.id);
    if (f.name !== undefined) q = q.where('name', '=', recordName(f.name, domain.name));
    if (f.type !== undefined) q = q.where('type', '=', f.type.trim().toUpperCase());
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('id'), f);
    return { count, items: rows.map((r) => recordView(r, Number(domain.serial))) };
  }

  /** One record of one of the caller's domains (any account's for an admin asking for all). */
  async record(ctx: CallContext, ref: DomainRef, recordId: number, scope: DnsScope = {}): Promise<DnsRecordView> {
    const domain = await domainRow(this.deps.store.db, ctx, ref, scope);
    return recordView(await recordRow(this.deps.store.db, domain, recordId), Number(domain.serial));
  }

  /** Adds a record, its content checked for its type; a CNAME shares its name with no other record. */
  createRecord(
    ctx: CallContext,
    ref: DomainRef,
    input: RecordInput,
  ): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
    return addRecord(this.deps.store, ctx, ref, input);
  }

  /** Changes a record's name, type, content, TTL, priority or disabled flag (what is not given stays); SOA records cannot be changed. */
  updateRecord(
    ctx: CallContext,
    ref: DomainRef,
    recordId: number,
    input: RecordInput,
  ): Promise<{ receipt: TaskReceipt; record: DnsRecordView }> {
    return changeRecord(this.deps.store, ctx, ref, recordId, input);
  }

  /** Deletes a record; the SOA record cannot be deleted. */
  deleteRecord(ctx: CallContext, ref: DomainRef, recordId: number): Promise<TaskReceipt> {
    return removeRecord(this.deps.store, ctx, ref, recordId);
  }

  /** Deletes the listed records of a domain in one transaction (see removeRecords); one receipt per deleted record. */
  deleteRecords(ctx: CallContext, ref: DomainRef, recordIds: readonly number[]): Promise<TaskReceipt[]> {
    return removeRecords(this.deps.store, ctx, ref, recordIds);
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
      const records = await recordRows(trx, Number(row.id)).execute();
      const served = records.filter((r) => !r.disabled).map((r) => recordView(r, serial));
      return { id: Number(row.id), name: row.name, serial, records: served };
    });
  }

  private async assertFree(q: Q, name: string): Promise<void> {
    const dup = await q.selectFrom('dns_domains').select('id').where('name', '=', name).executeTakeFirst();
    if (dup) throw hostedAlready(name);
  }

  /** The rows as shown, each with its own owner's name, email and number (an admin's list spans accounts). */
  private async domainViews(ctx: CallContext, rows: DnsDomainRow[]): Promise<DnsDomainView[]> {
    if (!rows.length) return [];
    const ids = [...new Set(rows.map((r) => r.account_id))];
    const accounts = new Map(
      (
        await this.deps.store.db.selectFrom('accounts').select(['id', 'email', 'name']).where('id', 'in', ids).execute()
      ).map((a) => [a.id, a]),
    );
    const numbers = await numberedAliases(this.deps.store, 'account', 'number', ids);
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      unicodeName: r.unicode_name,
      accountId: r.account_id,
      accountName: accounts.get(r.account_id)?.name ?? (r.account_id === ctx.accountId ? ctx.accountName : ''),
      accountEmail: accounts.get(r.account_id)?.email ?? '',
      accountNumber: numbers.get(r.account_id) ?? 0,
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
