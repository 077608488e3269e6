/** Billing (seed section 11): currencies, use, prices, transactions, balance and subscriptions, amounts with 2+ decimals. */
import type { SigmaRouter } from '../router.js';
import type { SubscriptionOrder, SubscriptionView } from '../../../core/billing/service.js';
import { fmtDate } from '../../../core/billing/ledger.js';
import { CURRENCIES, SOFTWARE, formatMoney } from '../../../core/billing/money.js';
import { PERIOD_MS } from '../../../core/billing/meter.js';
import { encodeList, encodeRecord, encodeRecords, type SigmaRecord } from '../../../lib/sigma-text.js';

const GB = 1024 ** 3;
type Kind = 'resources' | 'ip' | 'vlan' | 'software';
const KINDS: Array<[Kind, string]> = [
  ['resources', '/subscriptions/resources'],
  ['ip', '/subscriptions/network/ip'],
  ['vlan', '/subscriptions/network/vlan'],
  ['software', '/subscriptions/software'],
];

/** Registers the billing commands. */
export function billingRoutes(r: SigmaRouter): void {
  r.route('read', ['/currencies/list'], async () => ({ text: encodeList(CURRENCIES) }));
  r.route('read', ['/balance/info'], async (c) => {
    const b = await c.core.billing.balance(c.ctx);
    return { text: encodeRecord({ balance: formatMoney(b.balance), currency: b.currency }) };
  });
  r.route('read', ['/usage/info'], async (c) => {
    const u = await c.core.billing.usage(c.ctx);
    const xfer = (u.rx + u.tx) / GB;
    return {
      text: encodeRecord({
        cpu: u.cpu,
        mem: u.mem,
        disk: u.disk,
        'cpu:burst': u.burst.cpu,
        'mem:burst': u.burst.mem,
        'disk:burst': u.burst.disk,
        'cpu:sub': u.sub.cpu,
        'mem:sub': u.sub.mem,
        'disk:sub': u.sub.disk,
        'rx:total': u.rx,
        'tx:total': u.tx,
        'xfer:total': round3(xfer),
        'xfer:burst': round3(Math.max(0, xfer - u.sub.xfer)),
        'xfer:sub': u.sub.xfer,
      }),
    };
  });
  r.route('read', ['/pricing/info'], async (c) => {
    const t = Math.floor(Date.now() / PERIOD_MS) * PERIOD_MS;
    const rec: Record<string, string> = {
      start: fmtDate(new Date(t)),
      end: fmtDate(new Date(t + PERIOD_MS)),
      currency: (await c.core.billing.balance(c.ctx)).currency,
    };
    for (const [k, v] of Object.entries(c.core.billing.prices)) rec[k] = formatMoney(v, 3);
    return { text: encodeRecord(rec) };
  });
  r.route('read', ['/transactions/list'], async (c) => ({
    text: encodeRecords(
      (await c.core.billing.transactions(c.ctx)).map((t) => ({
        date: fmtDate(t.date),
        description: t.description,
        value: 'n/a',
        tax: 'n/a',
        total: formatMoney(t.amount),
        currency: t.currency,
      })),
    ),
  }));
  r.route('read', ['/subscriptions/list'], async (c) => ({
    text: encodeRecords((await c.core.billing.subscriptions(c.ctx)).map(subRecord)),
  }));
  r.route('read', ['/subscriptions/resources/info'], async (c) => {
    const t = await c.core.billing.subscribedTotals(c.ctx);
    return {
      text: encodeRecord({
        cpu: t.cpu ?? 0,
        mem: t.mem ?? 0,
        disk: t.disk ?? 0,
        xfer: t.xfer ?? 0,
        ...Object.fromEntries(Object.keys(SOFTWARE).map((k) => [k, t[k] ?? 0])),
      }),
    };
  });
  r.route('read', ['/subscriptions/net/info'], async (c) => {
    const t = await c.core.billing.subscribedTotals(c.ctx);
    return { text: encodeRecord({ ip: t.ip ?? 0, vlan: t.vlan ?? 0 }) };
  });
  for (const [kind, base] of KINDS) {
    r.route('body', [`${base}/create`], async (c) => ({
      text: encodeRecords(
        (await c.core.billing.subscribe(c.ctx, kind, order(kind, c.record()))).subscriptions.map(subRecord),
      ),
    }));
    r.route('body', [`${base}/calculate`], async (c) =>
      amountText(await c.core.billing.calculate(c.ctx, kind, order(kind, c.record()))),
    );
  }
  r.route('body', ['/subscriptions/:id/set'], async (c) => ({
    text: encodeRecord(
      subRecord((await c.core.billing.extend(c.ctx, c.params.id!, c.record().months ?? '')).subscription),
    ),
  }));
  r.route('body', ['/subscriptions/:id/set/calculate'], async (c) =>
    amountText(await c.core.billing.extensionCost(c.ctx, c.params.id!, c.record().months ?? '')),
  );
}

/** Decodes an order body: per-type quantities (or `type` + `quantity`), `start_time` and `months`. */
function order(kind: Kind, rec: SigmaRecord): SubscriptionOrder {
  const num = (v: string | undefined) => (v === undefined ? undefined : /^\s*\d{1,12}\s*$/.test(v) ? Number(v) : NaN);
  const quantities: Record<string, number | undefined> = {};
  if (kind === 'resources') {
    for (const k of ['cpu', 'mem', 'disk', 'xfer']) quantities[k] = num(rec[k]);
    if (rec.type !== undefined && rec.quantity !== undefined) quantities[rec.type.trim()] = num(rec.quantity);
  } else if (kind === 'software') {
    for (const k of Object.keys(SOFTWARE)) quantities[k] = num(rec[k]);
  } else quantities[kind] = num(rec.quantity ?? '');
  const months = rec.months === undefined ? undefined : (num(rec.months) ?? NaN);
  return { quantities, start: rec.start_time ?? rec.start_date, months };
}

function amountText(a: { amount: number; currency: string }): { text: string } {
  return { text: encodeRecord({ amount: formatMoney(a.amount), currency: a.currency }) };
}

function subRecord(s: SubscriptionView): Record<string, string | number | undefined> {
  return {
    type: s.type,
    subscription: s.id,
    resource: s.resource ?? undefined,
    type_str: s.label,
    unit: s.unit,
    quantity: s.quantity,
    start_time: fmtDate(s.start),
    end_time: fmtDate(s.end),
    months: s.months,
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
