/**
 * Webhook delivery: claims due deliveries (a lease in next_attempt_at, SKIP LOCKED on PostgreSQL so several processes
 * never send one row at once), signs the stored body with the account's current secret, posts it through lib/outbound
 * and records the answer; a 2xx delivers, anything else is retried with exponential backoff until the last attempt
 * marks it failed. Everything is in the database: a restart resumes. The polling is the shared DeliveryLoop.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { WebhookDeliveryRow } from '../../store/schema.js';
import { isDatabaseUnavailable } from '../../lib/errors.js';
import { OutboundError, outboundRequest } from '../../lib/outbound.js';
import { nowIso } from '../../lib/util.js';
import type { CoreDeps } from '../deps.js';
import { backoffMs, DeliveryLoop, LEASE_MS, type DeliveryQueue, type WorkerLog } from '../outbound/loop.js';

/** How much of a receiver's answer is kept on the delivery. */
const RESPONSE_KEPT = 2048;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes under the secret, as the X-Nube-Signature header carries it. */
function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The outcome of one attempt. */
interface Outcome {
  ok: boolean;
  status: number | null;
  body: string | null;
  error: string | null;
  signature: string | null;
}

/** Delivers webhook events; one per process, started and stopped with the task engine. */
export class WebhookWorker implements DeliveryQueue<WebhookDeliveryRow> {
  readonly name = 'webhooks';
  private readonly loop: DeliveryLoop<WebhookDeliveryRow>;

  constructor(private readonly deps: CoreDeps) {
    this.loop = new DeliveryLoop(this, deps.store.kind);
  }

  /** Starts polling; on SQLite (one owner) the leases and backoffs of a process that died end at once. */
  start(log?: WorkerLog): void {
    this.loop.start(log);
  }

  /** Stops polling and waits for the attempts under way. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Ends the leases and backoffs of pending deliveries (SQLite start-up). */
  async resetLeases(now: number): Promise<void> {
    await this.deps.store.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now })
      .where('state', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .execute();
  }

  /** Webhooks need nothing registered: always ready. */
  ready(): boolean {
    return true;
  }

  /** Takes up to limit due deliveries, oldest due first, leasing each for one attempt. */
  async claim(limit: number, now: number): Promise<WebhookDeliveryRow[]> {
    const lock = this.deps.store.kind === 'postgres' ? sql`for update skip locked` : sql``;
    const res = await sql<WebhookDeliveryRow>`
      update webhook_deliveries set attempts = attempts + 1, next_attempt_at = ${now + LEASE_MS}
      where state = 'pending' and next_attempt_at <= ${now} and id in (
        select id from webhook_deliveries
        where state = 'pending' and next_attempt_at <= ${now}
        order by next_attempt_at, created_at limit ${limit} ${lock})
      returning *`.execute(this.deps.store.db);
    return res.rows.map((r) => ({ ...r, attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at) }));
  }

  /** One attempt: sign with the account's current secret, post, record the answer. */
  async attempt(d: WebhookDeliveryRow): Promise<void> {
    const config = await this.deps.store.db
      .selectFrom('webhook_configs')
      .selectAll()
      .where('account_id', '=', d.account_id)
      .executeTakeFirst();
    if (!config || config.enabled !== 1 || !config.secret_enc) {
      const error = 'Webhooks are disabled for this account';
      return this.record(d, { ok: false, status: null, body: null, error, signature: null }, true);
    }
    let signature: string | null = null;
    let outcome: Outcome;
    try {
      signature = webhookSignature(this.deps.secrets.decrypt(config.secret_enc), d.payload);
      const res = await outboundRequest({
        url: d.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Nube-Webhooks/1',
          'x-nube-event': d.event,
          'x-nube-delivery': d.id,
          'x-nube-signature': signature,
        },
        body: d.payload,
        allowPrivate: this.deps.config.outbound.allowPrivate,
        maxResponseBytes: RESPONSE_KEPT,
        readBody: true,
      });
      const ok = res.status >= 200 && res.status < 300;
      const error = ok ? null : `The receiver answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      outcome = { ok, status: res.status, body: res.body ?? null, error, signature };
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      const error =
        err instanceof OutboundError ? err.message : `Delivery failed: ${(err as Error)?.message ?? String(err)}`;
      outcome = { ok: false, status: null, body: null, error, signature };
    }
    await this.record(d, outcome, false);
  }

  /** Saves the attempt's outcome unless another process took the delivery over; the last failed attempt (or giveUp) fails it. */
  private async record(d: WebhookDeliveryRow, o: Outcome, giveUp: boolean): Promise<void> {
    const failed = !o.ok && (giveUp || d.attempts >= this.deps.config.outbound.webhookAttempts);
    const now = nowIso();
    await this.deps.store.db
      .updateTable('webhook_deliveries')
      .set({
        state: o.ok ? 'delivered' : failed ? 'failed' : 'pending',
        next_attempt_at: Date.now() + backoffMs(this.deps.config.outbound.webhookRetryMs, d.attempts),
        signature: o.signature ?? d.signature,
        response_status: o.status,
        response_body: o.body === null ? null : o.body.slice(0, RESPONSE_KEPT),
        error_message: o.error,
        delivered_at: o.ok ? now : null,
        failed_at: failed ? now : null,
        updated_at: now,
      })
      .where('id', '=', d.id)
      .where('attempts', '=', d.attempts)
      .where('state', '=', 'pending')
      .execute();
  }
}
