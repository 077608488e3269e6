/** Every REST route, registered on the typed app of the v1 scope (and /api/user on its own scope). */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../core/core.js';
import type { RestApp } from '../app-type.js';
import { teamRoutes, userRoute as registerUser } from './user.js';
import { sshKeyRoutes } from './ssh-keys.js';
import { snapshotRoutes } from './snapshots.js';
import { webhookRoutes } from './webhooks.js';
import { firewallRoutes } from './firewalls.js';
import { vpsRoutes } from './vps.js';
import { vpsActionRoutes } from './vps-actions.js';
import { vpsCatalogRoutes } from './vps-catalog.js';
import { vpsMetricsRoutes } from './vps-metrics.js';
import { vpsDiagnoseRoute } from './vps-diagnose.js';

/** A Fastify scope whose handlers are typed from their TypeBox schemas. */
export type { RestApp };

/** Types a scope's handlers from their schemas. */
function typed(app: FastifyInstance): RestApp {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}

/** GET /api/user on the /api scope. */
export function userRoute(app: FastifyInstance, core: Core): void {
  registerUser(typed(app), core);
}

/** The /api/v1 routes. */
export function v1Routes(app: FastifyInstance, core: Core): void {
  const t = typed(app);
  teamRoutes(t);
  sshKeyRoutes(t, core);
  snapshotRoutes(t, core);
  webhookRoutes(t, core);
  firewallRoutes(t, core);
  vpsCatalogRoutes(t, core);
  vpsRoutes(t, core);
  vpsActionRoutes(t, core);
  vpsMetricsRoutes(t, core);
  vpsDiagnoseRoute(t, core);
}
