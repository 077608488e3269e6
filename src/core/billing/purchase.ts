/** A subscription purchase as one transaction: static IPs and VLANs allocated, subscription rows and the charge, or nothing. */
import { isUniqueViolation } from '../../store/db.js';
import type { ZoneRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { PublicIpService } from '../ips/service.js';
import type { NetworkService } from '../networks/service.js';
import { unavailable } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { spend } from './ledger.js';

/** A validated order: positive quantities per type, its start and months, its end, price and transaction text. */
export interface Purchase {
  quantities: Record<string, number>;
  start: Date;
  end: Date;
  months: number;
  amount: number;
  description: string;
}

/** What a purchase needs besides the store: the services that allocate IPs and VLANs, and the zone they come from. */
export interface PurchaseDeps {
  deps: CoreDeps;
  ips: PublicIpService;
  networks: NetworkService;
  zone: ZoneRow | null;
}

/**
 * Charges the balance, allocates every static IP and VLAN of the order and records one subscription per type or
 * resource, all in one transaction: a balance the charge takes below zero (checked in the transaction, so concurrent
 * purchases cannot both spend the same money) or a pool that runs out midway leaves nothing behind.
 * The purchase is recorded as one finished task on its first subscription. Returns its receipt and the new subscription ids in order.
 */
export async function purchase(
  ctx: CallContext,
  p: PurchaseDeps,
  o: Purchase,
): Promise<{ receipt: TaskReceipt; ids: string[] }> {
  const { deps } = p;
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.store.tx(async (trx) => {
        await spend(trx, ctx.accountId, deps.config.billing.currency, o.amount, o.description);
        const items: Array<{ type: string; quantity: number; resource: string | null }> = [];
        for (const [type, q] of Object.entries(o.quantities)) {
          if (type !== 'ip' && type !== 'vlan') {
            items.push({ type, quantity: q, resource: null });
            continue;
          }
          if (!p.zone) throw unavailable('No zone is configured', 'not_configured');
          for (let i = 0; i < q; i++) {
            const name = `vlan-${newId().slice(0, 8)}`;
            const resource =
              type === 'ip'
                ? (await p.ips.associateIn(trx, ctx, p.zone)).address
                : await p.networks.createIn(trx, ctx, p.zone, { name, displayText: name });
            items.push({ type, quantity: 1, resource });
          }
        }
        const ids: string[] = [];
        for (const it of items) {
          const id = newId();
          ids.push(id);
          await trx
            .insertInto('billing_subscriptions')
            .values({
              id,
              account_id: ctx.accountId,
              type: it.type,
              quantity: it.quantity,
              resource: it.resource,
              start_time: o.start.toISOString(),
              end_time: o.end.toISOString(),
              months: o.months,
              created_at: nowIso(),
            })
            .execute();
        }
        const resources = items.flatMap((it) => (it.resource ? [it.resource] : []));
        const receipt = await recordSyncChange(trx, {
          objectType: 'subscription',
          objectId: ids[0]!,
          ctx,
          payload: { action: 'subscribe', ids, resources },
        });
        return { receipt, ids };
      });
    } catch (err) {
      // Two concurrent purchases may lease the same free address; the unique lease makes this one start over.
      if (isUniqueViolation(err) && attempt < 5) continue;
      throw err;
    }
  }
}
