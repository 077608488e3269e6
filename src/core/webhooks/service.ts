/**
 * Webhooks: one configuration per account (a URL, on or off, and a secret kept encrypted under the master key) and
 * the deliveries of its VPS, firewall and snapshot events, queued when the change commits (events.ts) and sent from
 * the database by a worker started with the task engine (worker.ts).
 */
import type { CallContext } from '../../lib/context.js';
import { invalid } from '../../lib/errors.js';
import { nowIso, parseJson, randomToken, toFlag } from '../../lib/util.js';
import type { WebhookDeliveryRow } from '../../store/schema.js';
import { observeTaskEnds } from '../../tasks/observers.js';
import type { CoreDeps } from '../deps.js';
import type { WorkerLog } from '../outbound/loop.js';
import { queueWebhookEvents } from './events.js';
import { WebhookWorker } from './worker.js';

/** An account's webhook configuration as its owner sees it (never the secret). */
export interface WebhookConfigView {
  url: string | null;
  enabled: boolean;
  hasSecret: boolean;
}

/** One delivery of an event: what was sent where, and how the receiver answered. */
export interface WebhookDelivery {
  id: string;
  accountId: string;
  event: string;
  url: string;
  payload: unknown;
  /** `sha256=<hex>` of the last attempt ('' before the first). */
  signature: string;
  responseStatus: number | null;
  /** The start of the receiver's answer (at most about 2 KB). */
  responseBody: string | null;
  attempts: number;
  deliveredAt: string | null;
  failedAt: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Configures an account's webhook, lists its deliveries and runs their delivery worker. */
export class WebhookService {
  private readonly worker: WebhookWorker;

  constructor(private readonly deps: CoreDeps) {
    this.worker = new WebhookWorker(deps);
    observeTaskEnds('webhooks', queueWebhookEvents);
  }

  /** The caller's account's configuration (no URL and disabled when none was ever set). */
  async config(ctx: CallContext): Promise<WebhookConfigView> {
    const row = await this.row(ctx);
    return { url: row?.url ?? null, enabled: row?.enabled === 1, hasSecret: Boolean(row?.secret_enc) };
  }

  /** Sets the URL and whether events are sent (default on), making a secret when there is none; Invalid `webhook_url` unless http(s). */
  async configure(
    ctx: CallContext,
    input: { url: string; enabled?: boolean },
  ): Promise<{ url: string; enabled: boolean; secret: string }> {
    const url = checkUrl(input.url);
    const enabled = input.enabled ?? true;
    return this.deps.store.tx(async (trx) => {
      const row = await this.row(ctx, trx);
      const secret = row?.secret_enc ? this.deps.secrets.decrypt(row.secret_enc) : newSecret();
      const now = nowIso();
      const values = { url, enabled: toFlag(enabled), secret_enc: this.deps.secrets.encrypt(secret), updated_at: now };
      if (row) await trx.updateTable('webhook_configs').set(values).where('account_id', '=', ctx.accountId).execute();
      else
        await trx
          .insertInto('webhook_configs')
          .values({ account_id: ctx.accountId, created_at: now, ...values })
          .execute();
      return { url, enabled, secret };
    });
  }

  /** Replaces the secret (making the configuration, disabled and without URL, if there is none): the old one signs nothing more. */
  async regenerateSecret(ctx: CallContext): Promise<{ secret: string }> {
    const secret = newSecret();
    const secretEnc = this.deps.secrets.encrypt(secret);
    await this.deps.store.tx(async (trx) => {
      const now = nowIso();
      if (await this.row(ctx, trx))
        await trx
          .updateTable('webhook_configs')
          .set({ secret_enc: secretEnc, updated_at: now })
          .where('account_id', '=', ctx.accountId)
          .execute();
      else
        await trx
          .insertInto('webhook_configs')
          .values({
            account_id: ctx.accountId,
            url: null,
            enabled: 0,
            secret_enc: secretEnc,
            created_at: now,
            updated_at: now,
          })
          .execute();
    });
    return { secret };
  }

  /** One page (from 1) of the caller's account's deliveries, newest first, with their total. */
  async deliveries(
    ctx: CallContext,
    paging: { page: number; perPage: number },
  ): Promise<{ items: WebhookDelivery[]; total: number }> {
    const perPage = Math.max(1, Math.floor(paging.perPage));
    const page = Math.max(1, Math.floor(paging.page));
    const db = this.deps.store.db;
    const total = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirstOrThrow();
    const rows = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', ctx.accountId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute();
    return { items: rows.map(toDelivery), total: Number(total.n) };
  }

  /** Starts delivering (polls for due deliveries); call with the task engine's start. */
  start(log?: WorkerLog): void {
    this.worker.start(log);
  }

  /** Stops delivering and waits for the attempts under way. */
  async stop(): Promise<void> {
    await this.worker.stop();
  }

  private row(ctx: CallContext, q = this.deps.store.db) {
    return q.selectFrom('webhook_configs').selectAll().where('account_id', '=', ctx.accountId).executeTakeFirst();
  }
}

/** A new random signing secret. */
function newSecret(): string {
  return `whsec_${randomToken(32)}`;
}

/** The URL when it is a valid http(s) URL; Invalid naming webhook_url otherwise. */
function checkUrl(text: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || text.length > 2048)
    throw invalid('The webhook url must be a valid http or https URL.', 'webhook_url');
  return text;
}

/** A delivery row as the core shows it. */
function toDelivery(r: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    accountId: r.account_id,
    event: r.event,
    url: r.url,
    payload: parseJson<unknown>(r.payload, null),
    signature: r.signature ?? '',
    responseStatus: r.response_status === null ? null : Number(r.response_status),
    responseBody: r.response_body,
    attempts: Number(r.attempts),
    deliveredAt: r.delivered_at,
    failedAt: r.failed_at,
    errorMessage: r.error_message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
