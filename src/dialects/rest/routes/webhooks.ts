/** The team's webhook: its configuration (URL, on/off, signing secret) and the list of deliveries of its events. */
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { Core } from '../../../core/core.js';
import type { WebhookDelivery as CoreDelivery } from '../../../core/webhooks/service.js';
import { callerOf, ctxOf } from '../auth.js';
import { COMMON_ERRORS, PageOf, PageQuery, pageAnswer, pagingOf } from '../envelope.js';
import { restNumbers } from '../ids.js';
import type { RestApp } from '../app-type.js';

const OBJECT_TYPE = 'webhook delivery';

/** The configuration as shown (never the secret). */
const Config = Type.Object({
  webhook_url: nullable(Type.String()),
  webhook_enabled: Type.Boolean(),
  has_secret: Type.Boolean(),
});

const ConfigBody = Type.Object({
  webhook_url: Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', minLength: 1, maxLength: 2048 }),
  webhook_enabled: Type.Optional(Type.Boolean()),
});

/** One delivery of an event as the API shows it. */
const WebhookDelivery = Type.Object({
  id: Type.Integer(),
  team_id: Type.Integer(),
  event: Type.String(),
  url: Type.String(),
  payload: Type.Unknown(),
  signature: Type.String(),
  response_status: nullable(Type.Integer()),
  response_body: nullable(Type.String()),
  attempts: Type.Integer(),
  delivered_at: nullable(Type.String()),
  failed_at: nullable(Type.String()),
  error_message: nullable(Type.String()),
  created_at: nullable(Type.String()),
  updated_at: nullable(Type.String()),
});

/** The API shapes of deliveries, numbered. */
async function shapes(core: Core, teamId: number, items: CoreDelivery[]) {
  const n = await restNumbers(
    core,
    OBJECT_TYPE,
    items.map((d) => d.id),
  );
  return items.map((d) => ({
    id: n.get(d.id)!,
    team_id: teamId,
    event: d.event,
    url: d.url,
    payload: d.payload,
    signature: d.signature,
    response_status: d.responseStatus,
    response_body: d.responseBody,
    attempts: d.attempts,
    delivered_at: d.deliveredAt,
    failed_at: d.failedAt,
    error_message: d.errorMessage,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  }));
}

const tags = ['Webhooks'];
const security = [{ bearerAuth: [] }];

/** /webhooks routes. */
export function webhookRoutes(app: RestApp, core: Core): void {
  app.get(
    '/webhooks/config',
    {
      schema: {
        summary: 'Show the webhook configuration',
        tags,
        security,
        response: { 200: Config, ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const c = await core.webhooks.config(ctxOf(req, 'webhooks/config/show'));
      return { webhook_url: c.url, webhook_enabled: c.enabled, has_secret: c.hasSecret };
    },
  );
  app.put(
    '/webhooks/config',
    {
      schema: {
        summary: 'Set the webhook URL and turn it on or off (a signing secret is made when there is none)',
        tags,
        security,
        body: ConfigBody,
        response: {
          200: Type.Object({
            message: Type.String(),
            webhook_url: nullable(Type.String()),
            webhook_enabled: Type.Boolean(),
            webhook_secret: nullable(Type.String()),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req) => {
      const input = {
        url: req.body.webhook_url,
        ...(req.body.webhook_enabled !== undefined ? { enabled: req.body.webhook_enabled } : {}),
      };
      const c = await core.webhooks.configure(ctxOf(req, 'webhooks/config/update'), input);
      return {
        message: 'Webhook configuration updated successfully',
        webhook_url: c.url,
        webhook_enabled: c.enabled,
        webhook_secret: c.secret,
      };
    },
  );
  app.post(
    '/webhooks/config/regenerate-secret',
    {
      schema: {
        summary: 'Replace the webhook signing secret (the old one stops signing at once)',
        tags,
        security,
        response: { 200: Type.Object({ message: Type.String(), webhook_secret: Type.String() }), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const { secret } = await core.webhooks.regenerateSecret(ctxOf(req, 'webhooks/config/regenerate-secret'));
      return { message: 'Webhook secret regenerated successfully', webhook_secret: secret };
    },
  );
  app.get(
    '/webhooks/deliveries',
    {
      schema: {
        summary: 'List webhook deliveries, newest first',
        tags,
        security,
        querystring: PageQuery,
        response: { 200: PageOf(WebhookDelivery), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const p = pagingOf(req.query);
      const page = await core.webhooks.deliveries(ctxOf(req, 'webhooks/deliveries'), p);
      return pageAnswer(await shapes(core, callerOf(req).teamId, page.items), page.total, p);
    },
  );
}
