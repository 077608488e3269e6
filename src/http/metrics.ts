/** Prometheus metrics of one app: every request of every dialect (count and latency by dialect, route and status), plus tasks, VMs and outbound deliveries read from the core when /metrics is scraped. */
import client from 'prom-client';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import type { TaskCount, VmStateCount } from '../core/stats.js';
import { labelsOf } from './request-labels.js';

/** What the store-backed gauges read: one grouped query each, called only while /metrics is scraped. */
export interface StatsSource {
  tasks(): Promise<TaskCount[]>;
  vms(): Promise<VmStateCount[]>;
}

/** Task statuses as the metrics name them. */
const TASK_STATES: Record<string, string> = {
  PENDING: 'queued',
  STARTED: 'running',
  SUCCESS: 'success',
  FAILURE: 'failure',
  REVOKED: 'revoked',
};
/** Latency buckets in seconds: fast reads up to synchronous waits for a task. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Process metrics (CPU, memory, event loop, GC), registered once per process and shown by every app. */
let processRegistry: client.Registry | undefined;
function processMetrics(sampleMs: number): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
    eventLoopDelay(processRegistry, sampleMs);
  }
  return processRegistry;
}

/**
 * Event-loop delay since the previous scrape (p99 and max): how late a timer due every `sampleMs` fired. The histogram
 * of monitorEventLoopDelay holds the whole time between two samples, period included (an idle loop reads ~10 ms at a
 * 10 ms period), so the period is taken off and a reading is the time the loop was held past the sample's due time.
 */
function eventLoopDelay(registry: client.Registry, sampleMs: number): void {
  const histogram = monitorEventLoopDelay({ resolution: sampleMs });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - sampleMs) / 1e3;
  let read: { p99: number; max: number } | undefined;
  let taken = 0;
  /** Both gauges read one window; the second to read it starts the next. */
  const take = (which: 'p99' | 'max') => {
    read ??= { p99: late(histogram.percentile(99)), max: late(histogram.max) };
    const value = read[which];
    if (++taken === 2) {
      taken = 0;
      read = undefined;
      histogram.reset();
    }
    return value;
  };
  new client.Gauge({
    name: 'nube_event_loop_delay_p99_seconds',
    help: 'p99 of the event-loop delay since the previous scrape: how late a timer due every NUBE_LOOP_SAMPLE_MS fired',
    registers: [registry],
    collect() {
      this.set(take('p99'));
    },
  });
  new client.Gauge({
    name: 'nube_event_loop_delay_max_seconds',
    help: 'Longest event-loop delay since the previous scrape (how late a sample fired); the window restarts at every scrape',
    registers: [registry],
    collect() {
      this.set(take('max'));
    },
  });
}

/** The metrics registry of one app and the hooks that feed it. */
export class AppMetrics {
  private readonly registry = new client.Registry();
  private readonly requests: client.Counter<'dialect' | 'route' | 'status'>;
  private readonly latency: client.Histogram<'dialect' | 'route'>;
  /** The task counts of the scrape under way: one query serves every gauge built from them. */
  private taskSnapshot: Promise<TaskCount[]> | undefined;

  constructor(
    private readonly source: StatsSource,
    private readonly loopSampleMs: number,
    private readonly log?: Logger,
  ) {
    const registers = [this.registry];
    this.requests = new client.Counter({
      name: 'nube_http_requests_total',
      help: 'HTTP requests answered, by dialect, route (URL pattern, or CloudStack command) and status',
      labelNames: ['dialect', 'route', 'status'],
      registers,
    });
    this.latency = new client.Histogram({
      name: 'nube_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer, by dialect and route',
      labelNames: ['dialect', 'route'],
      buckets: BUCKETS,
      registers,
    });
    const metrics = this;
    new client.Gauge({
      name: 'nube_tasks',
      help: 'Tasks in the store by kind and state (queued, running, success, failure, revoked)',
      labelNames: ['kind', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const t of await metrics.tasks())
          this.inc({ kind: t.kind, state: TASK_STATES[t.status] ?? 'other' }, t.count);
      },
    });
    new client.Gauge({
      name: 'nube_tasks_oldest_age_seconds',
      help: 'Age of the oldest queued and of the oldest running task (0 when there is none)',
      labelNames: ['state'],
      registers,
      async collect() {
        const oldest: Record<string, number> = { queued: 0, running: 0 };
        const now = Date.now();
        for (const t of await metrics.tasks()) {
          const state = TASK_STATES[t.status];
          if (state !== 'queued' && state !== 'running') continue;
          const age = Math.max(0, (now - Date.parse(t.oldestCreated)) / 1000);
          if (Number.isFinite(age)) oldest[state] = Math.max(oldest[state]!, age);
        }
        for (const [state, age] of Object.entries(oldest)) this.set({ state }, age);
      },
    });
    new client.Gauge({
      name: 'nube_vms',
      help: 'Live (not expunged) VMs by state',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const v of await metrics.guard('VM counts', () => source.vms(), [])) this.set({ state: v.state }, v.count);
      },
    });
    const deliveries = new client.Counter({
      name: 'nube_outbound_deliveries_total',
      help: 'Outbound callback and webhook deliveries by outcome; always 0 for now: no dialect sends callbacks or webhooks yet',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    for (const kind of ['callback', 'webhook'])
      for (const outcome of ['delivered', 'retried', 'failed']) deliveries.inc({ kind, outcome }, 0);
  }

  /** Counts every request answered by app, whichever plugin answered it; call on the root instance before any plugin is registered. */
  observe(app: FastifyInstance): void {
    app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const { dialect, route } = labelsOf(req);
      this.requests.inc({ dialect, route, status: String(reply.statusCode) });
      this.latency.observe({ dialect, route }, reply.elapsedTime / 1000);
      done();
    });
  }

  /** The Prometheus text of this app's metrics and the process's. */
  async text(): Promise<{ contentType: string; body: string }> {
    const merged = client.Registry.merge([processMetrics(this.loopSampleMs), this.registry]);
    this.taskSnapshot = undefined;
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  /** The task counts of the current scrape, read once. */
  private tasks(): Promise<TaskCount[]> {
    this.taskSnapshot ??= this.guard('task counts', () => this.source.tasks(), []);
    return this.taskSnapshot;
  }

  /** A store read for a gauge; when the store fails, the gauge is left empty and the rest of the scrape still answers. */
  private async guard<T>(what: string, read: () => Promise<T>, empty: T): Promise<T> {
    try {
      return await read();
    } catch (err) {
      this.log?.warn({ err }, `metrics: ${what} could not be read`);
      return empty;
    }
  }
}
