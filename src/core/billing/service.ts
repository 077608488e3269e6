/** BillingService: balances, transactions, prices, current use and prepaid subscriptions of an account, in micro-units. */
import type { BillingSubscriptionRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { PublicIpService } from '../ips/service.js';
import type { NetworkService } from '../networks/service.js';
import { CoreError, invalid, notFound } from '../../lib/errors.js';
import { SOFTWARE, parseMoney, priceTable, type PriceTable } from './money.js';
import { accountUse, activeSubscriptions, type Use } from './usage.js';
import { meterDue, meterPeriod } from './meter.js';
import { purchase } from './purchase.js';
import { charge, ensureAccount, fmtDate, spend } from './ledger.js';
import { systemContext } from '../../lib/context.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';

/** Labels and units of each subscription type. */
const SUB_TYPES: Record<string, { label: string; unit: string }> = {
  cpu: { label: 'CPU', unit: 'core MHz' },
  mem: { label: 'Memory', unit: 'MB' },
  disk: { label: 'Disk', unit: 'GB' },
  xfer: { label: 'Committed data transfer', unit: 'GB per month' },
  ip: { label: 'Static IP address', unit: 'IPs' },
  vlan: { label: 'Private network VLAN', unit: 'VLANs' },
  ...Object.fromEntries(Object.entries(SOFTWARE).map(([k, v]) => [k, { label: v, unit: 'licences' }])),
};

/** Smallest CPU and memory subscriptions (seed 11.10). */
const MIN_SUB = { cpu: 2000, mem: 1024 };

/** A subscription as dialects show it. */
export interface SubscriptionView {
  id: string;
  type: string;
  label: string;
  unit: string;
  quantity: number;
  resource: string | null;
  start: string;
  end: string;
  months: number;
}

/** A subscription order: quantities per type, a start time and a number of months. */
export interface SubscriptionOrder {
  quantities: Record<string, number | undefined>;
  start?: string;
  months?: number;
}

/** A transaction as dialects show it (amount in micro-units, negative for charges). */
export interface TransactionView {
  id: string;
  date: string;
  description: string;
  amount: number;
  currency: string;
}

/** Account balances, prices, use and subscriptions. */
export class BillingService {
  readonly prices: PriceTable;

  constructor(
    private readonly deps: CoreDeps,
    private readonly ips: PublicIpService,
    private readonly networks: NetworkService,
  ) {
    this.prices = priceTable(deps.config.billing.prices);
  }

  /** The caller's balance (micro-units) and currency. */
  async balance(ctx: CallContext): Promise<{ balance: number; currency: string }> {
    const row = await this.deps.store.tx((trx) => ensureAccount(trx, ctx.accountId, this.deps.config.billing.currency));
    return { balance: Number(row.balance), currency: row.currency };
  }

  /** The caller's transactions, newest first. */
  async transactions(ctx: CallContext, limit = 1000): Promise<TransactionView[]> {
    const rows = await this.deps.store.db
      .selectFrom('billing_transactions')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      date: r.created_at,
      description: r.description,
      amount: Number(r.amount),
      currency: r.currency,
    }));
  }

  /** What the caller uses now, what is subscribed and the part beyond (burst). */
  async usage(ctx: CallContext, at = new Date()): Promise<Use> {
    return accountUse(this.deps.store.db, ctx.accountId, at.toISOString());
  }

  /** The caller's subscriptions, newest first. */
  async subscriptions(ctx: CallContext): Promise<SubscriptionView[]> {
    const rows = await this.deps.store.db
      .selectFrom('billing_subscriptions')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(subView);
  }

  /** Totals of the caller's active subscriptions per type. */
  async subscribedTotals(ctx: CallContext, at = new Date()): Promise<Record<string, number>> {
    return activeSubscriptions(this.deps.store.db, ctx.accountId, at.toISOString());
  }

  /** Price of an order in micro-units, after validation. */
  async calculate(
    ctx: CallContext,
    kind: 'resources' | 'ip' | 'vlan' | 'software',
    order: SubscriptionOrder,
  ): Promise<{ amount: number; currency: string }> {
    const o = validate(kind, order);
    return { amount: this.cost(o.quantities, o.months), currency: (await this.balance(ctx)).currency };
  }

  /** Buys an order: allocates static IPs or VLANs when ordered, charges the balance and records one subscription per type or resource; all or nothing. */
  async subscribe(
    ctx: CallContext,
    kind: 'resources' | 'ip' | 'vlan' | 'software',
    order: SubscriptionOrder,
  ): Promise<{ receipt: TaskReceipt; subscriptions: SubscriptionView[] }> {
    const o = validate(kind, order);
    const amount = this.cost(o.quantities, o.months);
    const zone =
      'ip' in o.quantities || 'vlan' in o.quantities ? ((await this.deps.catalog.listZones())[0] ?? null) : null;
    const what = Object.entries(o.quantities)
      .map(([t, q]) => `${q} ${SUB_TYPES[t]!.unit} ${t}`)
      .join(', ');
    const { receipt, ids } = await purchase(
      ctx,
      { deps: this.deps, ips: this.ips, networks: this.networks, zone },
      {
        ...o,
        end: addMonths(o.start, o.months),
        amount,
        description: `Subscription of ${what} for ${o.months} month(s) from ${fmtDate(o.start)}`,
      },
    );
    const all = await this.subscriptions(ctx);
    return { receipt, subscriptions: ids.map((id) => all.find((s) => s.id === id)!) };
  }

  /** Price of extending one of the caller's subscriptions by some months. */
  async extensionCost(ctx: CallContext, id: string, months: unknown): Promise<{ amount: number; currency: string }> {
    const sub = await this.sub(ctx, id);
    return {
      amount: this.cost({ [sub.type]: Number(sub.quantity) }, checkMonths(months)),
      currency: (await this.balance(ctx)).currency,
    };
  }

  /** Extends one of the caller's subscriptions by some months and charges for them. */
  async extend(
    ctx: CallContext,
    id: string,
    months: unknown,
  ): Promise<{ receipt: TaskReceipt; subscription: SubscriptionView }> {
    const sub = await this.sub(ctx, id);
    const m = checkMonths(months);
    const amount = this.cost({ [sub.type]: Number(sub.quantity) }, m);
    const receipt = await this.deps.store.tx(async (trx) => {
      await spend(
        trx,
        ctx.accountId,
        this.deps.config.billing.currency,
        amount,
        `Extension of subscription ${id} by ${m} month(s)`,
      );
      const end = addMonths(new Date(sub.end_time), m);
      await trx
        .updateTable('billing_subscriptions')
        .set({ end_time: end.toISOString(), months: Number(sub.months) + m })
        .where('id', '=', id)
        .execute();
      return recordSyncChange(trx, {
        objectType: 'subscription',
        objectId: id,
        ctx,
        payload: { action: 'extend', months: m },
      });
    });
    return { receipt, subscription: subView(await this.sub(ctx, id)) };
  }

  /** Charges burst use and transfer beyond subscriptions for the 5-minute period starting at `start`; idempotent per account and period. */
  async meterPeriod(start: Date): Promise<{ charged: number; total: number }> {
    return meterPeriod(this.deps, this.prices, start);
  }

  /** Meters every complete period not yet metered; returns how many periods ran. */
  async meterDue(now = new Date()): Promise<number> {
    return meterDue(this.deps, this.prices, now);
  }

  /** Operator command: credits (or, negative, debits) an account by name, recorded as a finished task of that account. */
  async credit(
    accountName: string,
    amountText: string,
    description = 'Credit',
  ): Promise<{ receipt: TaskReceipt; balance: number; currency: string }> {
    const acct = await this.deps.store.db
      .selectFrom('accounts')
      .select(['id', 'name'])
      .where('name', '=', accountName)
      .executeTakeFirst();
    if (!acct) throw notFound('account', accountName, 'object');
    const amount = parseMoney(amountText, 'amount');
    return this.deps.store.tx(async (trx) => {
      await charge(trx, acct.id, this.deps.config.billing.currency, amount, description, null);
      const row = await ensureAccount(trx, acct.id, this.deps.config.billing.currency);
      const ctx = systemContext(acct.id, acct.name, 'operator');
      const receipt = await recordSyncChange(trx, {
        objectType: 'account',
        objectId: acct.id,
        ctx,
        payload: { action: 'credit', amount, description },
      });
      return { receipt, balance: Number(row.balance), currency: row.currency };
    });
  }

  /** Cost in micro-units of quantities for some months at subscription prices. */
  cost(quantities: Record<string, number>, months: number): number {
    let total = 0;
    for (const [type, q] of Object.entries(quantities)) {
      const price =
        type === 'ip' || type === 'vlan' || type in SOFTWARE ? this.prices[type]! : this.prices[`${type}:sub`]!;
      const per = type === 'cpu' ? 1000 : type === 'mem' ? 1024 : 1;
      total += Math.round((q * price * months) / per);
    }
    return total;
  }

  private async sub(ctx: CallContext, id: string): Promise<BillingSubscriptionRow> {
    const row = await this.deps.store.db
      .selectFrom('billing_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row) throw notFound('subscription', id, 'object');
    return row;
  }
}

function validate(
  kind: string,
  order: SubscriptionOrder,
): { quantities: Record<string, number>; start: Date; months: number } {
  const fields: Record<string, string[]> = {};
  const quantities: Record<string, number> = {};
  const allowed =
    kind === 'resources' ? ['cpu', 'mem', 'disk', 'xfer'] : kind === 'software' ? Object.keys(SOFTWARE) : [kind];
  for (const [type, q] of Object.entries(order.quantities)) {
    if (q === undefined) continue;
    if (!allowed.includes(type)) {
      fields[type] = ['Unknown subscription type'];
      continue;
    }
    if (!Number.isSafeInteger(q) || q < 0) {
      fields[type] = ['Expected a whole number'];
      continue;
    }
    if (type === 'cpu' && q < MIN_SUB.cpu) fields.cpu = [`The minimum CPU subscription is ${MIN_SUB.cpu} core MHz`];
    else if (type === 'mem' && q < MIN_SUB.mem) fields.mem = [`The minimum memory subscription is ${MIN_SUB.mem} MB`];
    else if (q > 0) quantities[type] = q;
  }
  if (!Object.keys(quantities).length && !Object.keys(fields).length)
    fields[kind === 'resources' ? 'cpu' : kind === 'software' ? Object.keys(SOFTWARE)[0]! : 'quantity'] = [
      'Order at least one unit',
    ];
  let start: Date | undefined;
  if (!order.start?.trim()) fields.start = ['This field is required.'];
  else {
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(order.start.trim());
    start = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0))) : undefined;
    if (!start || Number.isNaN(start.getTime()) || start.getUTCMonth() !== +m![2]! - 1)
      fields.start = ['Expected Y-m-d H:M'];
  }
  let months = 1;
  try {
    months = checkMonths(order.months ?? 1);
  } catch (e) {
    fields.months = [(e as Error).message];
  }
  const keys = Object.keys(fields);
  if (keys.length) throw new CoreError('Invalid', 'bad_input', fields[keys[0]!]![0]!, fields);
  return { quantities, start: start!, months };
}

function checkMonths(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{1,3}$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 36)
    throw invalid('Months must be a whole number from 1 to 36', 'months');
  return n;
}

function addMonths(d: Date, months: number): Date {
  const out = new Date(d.getTime());
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}

function subView(r: BillingSubscriptionRow): SubscriptionView {
  const t = SUB_TYPES[r.type] ?? { label: r.type, unit: '' };
  return {
    id: r.id,
    type: r.type,
    label: t.label,
    unit: t.unit,
    quantity: Number(r.quantity),
    resource: r.resource,
    start: r.start_time,
    end: r.end_time,
    months: Number(r.months),
  };
}
