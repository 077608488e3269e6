/** VPS read-outs from below the API: live metrics from the compute driver and the VPS's recent platform events. */
import { Type } from '@sinclair/typebox';
import type { Core } from '../../../core/core.js';
import { CoreError } from '../../../lib/errors.js';
import { ctxOf } from '../auth.js';
import { COMMON_ERRORS, UuidParams } from '../envelope.js';
import type { RestApp } from '../app-type.js';

const tags = ['VPS'];
const security = [{ bearerAuth: [] }];
const GB = 1024 ** 3;

/** Rounds to two decimals. */
const r2 = (n: number) => Math.round(n * 100) / 100;

const Metrics = Type.Object({
  cpu: Type.Object({
    usage_percent: Type.Number(),
    cores: Type.Integer(),
    sockets: Type.Integer(),
    threads: Type.Integer(),
  }),
  memory: Type.Object({ used_gb: Type.Number(), total_gb: Type.Number(), usage_percent: Type.Number() }),
  storage: Type.Object({ used_gb: Type.Number(), total_gb: Type.Number(), usage_percent: Type.Number() }),
  network: Type.Object({
    rx_bytes_per_sec: Type.Number(),
    tx_bytes_per_sec: Type.Number(),
    error_rate: Type.Number(),
    status: Type.String(),
  }),
  uptime_seconds: Type.Integer(),
  timestamp: Type.String(),
});

const Event = Type.Object({
  type: Type.String(),
  reason: Type.String(),
  message: Type.String(),
  resource: Type.String(),
  count: Type.String(),
  first_seen: Type.String(),
  last_seen: Type.String(),
});

/** Percent of part in whole, two decimals. */
function pct(part: number, whole: number): number {
  return whole > 0 ? r2((part / whole) * 100) : 0;
}

/** /vps/{id}/metrics and /vps/{id}/events. */
export function vpsMetricsRoutes(app: RestApp, core: Core): void {
  app.get(
    '/vps/:id/metrics',
    {
      schema: {
        summary: 'Live usage of a running VPS instance',
        tags,
        security,
        params: UuidParams,
        response: {
          200: Metrics,
          ...COMMON_ERRORS,
          503: Type.Object({ message: Type.String(), error: Type.String() }),
        },
      },
    },
    async (req, reply) => {
      try {
        const u = await core.vmMetrics.of(ctxOf(req, 'vps/metrics'), req.params.id);
        return {
          cpu: { usage_percent: u.cpuPercent, cores: u.cpuCount, sockets: 1, threads: 1 },
          memory: {
            used_gb: r2(u.memoryUsedBytes / GB),
            total_gb: r2(u.memoryTotalBytes / GB),
            usage_percent: pct(u.memoryUsedBytes, u.memoryTotalBytes),
          },
          storage: {
            used_gb: r2(u.diskUsedBytes / GB),
            total_gb: r2(u.diskTotalBytes / GB),
            usage_percent: pct(u.diskUsedBytes, u.diskTotalBytes),
          },
          network: {
            rx_bytes_per_sec: u.rxBytesPerSec,
            tx_bytes_per_sec: u.txBytesPerSec,
            error_rate: 0,
            status: 'Healthy',
          },
          uptime_seconds: u.uptimeSec,
          timestamp: u.at,
        };
      } catch (err) {
        if (err instanceof CoreError && err.kind === 'Unavailable')
          return reply.code(503).send({ message: err.message, error: 'metrics_unavailable' });
        throw err;
      }
    },
  );

  app.get(
    '/vps/:id/events',
    {
      schema: {
        summary: 'Recent platform events of a VPS instance (newest first, at most 50)',
        tags,
        security,
        params: UuidParams,
        response: {
          200: Type.Object({
            success: Type.Boolean(),
            data: Type.Object({ available: Type.Boolean(), events: Type.Array(Event) }),
            error: Type.Null(),
            meta: Type.Object({}),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req, 'vps/events');
      const vm = await core.vms.get(ctx, req.params.id);
      const log = await core.tasks.log(ctx, { objectId: vm.id, newestFirst: true }, { page: 1, pageSize: 50 });
      const events = log.items.map((e) => ({
        type: e.status === 'FAILURE' ? 'Warning' : 'Normal',
        reason: e.action,
        message: e.detail ?? `${e.action}: ${e.status.toLowerCase()}`,
        resource: `vm/${vm.name}`,
        count: '1',
        first_seen: e.created,
        last_seen: e.created,
      }));
      return { success: true, data: { available: true, events }, error: null, meta: {} };
    },
  );
}
