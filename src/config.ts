/** Typed configuration: defaults, then environment variables, then an optional JSON config file; validated once. */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Everything `nube` reads from its environment. */
export interface Config {
  dataDir: string;
  host: string;
  port: number;
  databaseUrl?: string;
  /** PostgreSQL: how long `nube serve` waits for the database at start-up, and the connect timeout of one connection. */
  db: { waitMs: number; connectTimeoutMs: number };
  driver: 'sim' | 'qemu';
  /** Base URL clients use, derived from the listener unless NUBE_PUBLIC_URL says otherwise. */
  publicUrl: string;
  masterKey?: string;
  logLevel: string;
  sim: { hostsPerZone: number; delayMs: number; hostCpus: number; hostMemMb: number; hostDiskGb: number };
  /** The qemu driver: guest template directory, accelerator choice, graceful-stop timeout. */
  qemu: { templateDir: string; accel: 'auto' | 'kvm' | 'tcg'; stopTimeoutMs: number };
  workers: number;
  taskLeaseMs: number;
  /** How long the CVM dialect waits for a task before answering with a timeout. */
  syncWaitMs: number;
  /** How long the CloudSigma dialect waits for a task before answering 504. */
  cloudsigmaWaitMs: number;
  /** Billing: the currency of new accounts, price overrides (`key=value,...`) and how often serve meters (0 = never). */
  billing: { currency: string; prices: string; meterEveryMs: number };
  /** Failed-authentication throttle (core/accounts/throttle.ts) and the password-hashing threads (core/accounts/hash-pool.ts). */
  auth: {
    perAddress: number;
    perLogin: number;
    windowMs: number;
    lockoutMs: number;
    lockoutMaxMs: number;
    tracked: number;
    /** Hashing threads; 0 = one less than the CPUs, 1 to 4. */
    hashThreads: number;
    hashQueue: number;
  };
  /** Per-account limits every account gets unless the operator overrides them for it; -1 = unlimited. */
  defaultLimits: Limits;
  /** The HTTP listener's guards: open connections at most, and how long a client may take to send headers, a whole request, or nothing at all. */
  http: HttpLimits;
  /** Outbound HTTP (task callbacks, webhooks): whether private addresses may be reached, and the callback retry schedule. */
  outbound: OutboundConfig;
  /** NUBE_RATE_LIMITS: whether the REST API's per-tier request limits apply (off for emulator use). */
  rateLimits: boolean;
  /** NUBE_LIST_CACHE_ITEMS: how many VM views the list cache may hold (0 = no cache). */
  listCacheItems: number;
  /** NUBE_ANSWER_CACHE_MB: rendered list answers kept by data version, in MiB (0 = none). */
  answerCacheMb: number;
  /** NUBE_SHUTDOWN_TIMEOUT_MS: how long `nube serve` lets requests and task steps finish after SIGTERM/SIGINT before it exits anyway. */
  shutdownTimeoutMs: number;
}

/** How Nube calls out: NUBE_OUTBOUND_ALLOW_PRIVATE=1 lets callbacks reach loopback/private addresses (tests, labs). */
export interface OutboundConfig {
  allowPrivate: boolean;
  /** Delay before a callback's second attempt; each further delay doubles. */
  callbackRetryMs: number;
  /** Attempts of one callback before it is given up as failed. */
  callbackAttempts: number;
  /** Delay before a webhook delivery's second attempt (NUBE_WEBHOOK_RETRY_MS, default the callbacks'); each further delay doubles. */
  webhookRetryMs: number;
  /** Attempts of one webhook delivery before it is marked failed (NUBE_WEBHOOK_ATTEMPTS, default the callbacks'). */
  webhookAttempts: number;
}

/** Limits of the HTTP listener, so no client can hold connections or memory for ever. */
export interface HttpLimits {
  /** Open connections at most; further ones are closed at once. */
  maxConnections: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body); generous, so large drive uploads fit. */
  requestTimeoutMs: number;
  /** Silence (no byte received) allowed while a request body arrives, and between requests on a kept-alive connection. */
  idleTimeoutMs: number;
}

/** The resources an account's use is limited on: counts, vCPUs, memory in MB and volume storage in GB. */
export const LIMIT_NAMES = [
  'vms',
  'cpus',
  'memory_mb',
  'volumes',
  'storage_gb',
  'snapshots',
  'ips',
  'networks',
] as const;
/** One limited resource. */
export type LimitName = (typeof LIMIT_NAMES)[number];
/** A limit per resource; -1 means unlimited. */
export type Limits = Record<LimitName, number>;

/**
 * Built-in defaults: far above what a developer's test run or a small team uses, low enough that a runaway client
 * (a loop creating drives or VMs) stops long before it fills the disk, the hosts or the IP pools of everyone else.
 */
const BUILTIN_LIMITS: Limits = {
  vms: 500,
  cpus: 2000,
  memory_mb: 4 * 1024 * 1024,
  volumes: 1000,
  storage_gb: 50 * 1024,
  snapshots: 1000,
  ips: 500,
  networks: 200,
};

/** Thrown for configuration that cannot work; printed without a stack trace. */
export class ConfigError extends Error {}

function int(name: string, raw: string | undefined, dflt: number, min = 0): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** Builds the configuration from env (and NUBE_CONFIG, a JSON file of the same variable names). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let merged: Record<string, string | undefined> = { ...env };
  const file = env.NUBE_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`NUBE_CONFIG file not found: ${file}`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const fromFile = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    merged = { ...fromFile, ...env };
  }
  const listen = merged.NUBE_LISTEN ?? '127.0.0.1:8080';
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen);
  if (!m) throw new ConfigError(`NUBE_LISTEN must be HOST:PORT, got "${listen}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = int('NUBE_LISTEN port', m[2], 8080);
  if (port > 65535) throw new ConfigError(`NUBE_LISTEN port out of range: ${port}`);
  const driver = (merged.NUBE_DRIVER ?? 'sim') as Config['driver'];
  if (driver !== 'sim' && driver !== 'qemu') throw new ConfigError(`NUBE_DRIVER must be sim or qemu, got "${driver}"`);
  const databaseUrl = merged.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// (unset it to use the embedded SQLite store)');
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    dataDir: resolve(merged.NUBE_DATA_DIR ?? './.nube'),
    host,
    port,
    databaseUrl,
    driver,
    db: {
      waitMs: int('NUBE_DB_WAIT_MS', merged.NUBE_DB_WAIT_MS, 60000, 0),
      connectTimeoutMs: int('NUBE_DB_CONNECT_TIMEOUT_MS', merged.NUBE_DB_CONNECT_TIMEOUT_MS, 5000, 100),
    },
    publicUrl: (merged.NUBE_PUBLIC_URL ?? `http://${shownHost}:${port}`).replace(/\/$/, ''),
    masterKey: merged.NUBE_MASTER_KEY || undefined,
    logLevel: merged.NUBE_LOG_LEVEL ?? 'info',
    sim: {
      hostsPerZone: int('NUBE_SIM_HOSTS', merged.NUBE_SIM_HOSTS, 4, 1),
      delayMs: int('NUBE_SIM_DELAY_MS', merged.NUBE_SIM_DELAY_MS, 0),
      hostCpus: int('NUBE_SIM_HOST_CPUS', merged.NUBE_SIM_HOST_CPUS, 512, 1),
      hostMemMb: int('NUBE_SIM_HOST_MEM_MB', merged.NUBE_SIM_HOST_MEM_MB, 4 * 1024 * 1024, 1),
      hostDiskGb: int('NUBE_SIM_HOST_DISK_GB', merged.NUBE_SIM_HOST_DISK_GB, 1024 * 1024, 1),
    },
    qemu: {
      templateDir: resolve(
        merged.NUBE_QEMU_TEMPLATE_DIR ?? join(resolve(merged.NUBE_DATA_DIR ?? './.nube'), 'templates', 'nube-guest'),
      ),
      accel: qemuAccel(merged.NUBE_QEMU_ACCEL),
      stopTimeoutMs: int('NUBE_QEMU_STOP_TIMEOUT_MS', merged.NUBE_QEMU_STOP_TIMEOUT_MS, 30000, 0),
    },
    workers: int('NUBE_WORKERS', merged.NUBE_WORKERS, 64, 1),
    taskLeaseMs: int('NUBE_TASK_LEASE_MS', merged.NUBE_TASK_LEASE_MS, 15000, 100),
    syncWaitMs: int('NUBE_SYNC_WAIT_MS', merged.NUBE_SYNC_WAIT_MS, 60000, 1),
    cloudsigmaWaitMs: int('NUBE_CLOUDSIGMA_WAIT_MS', merged.NUBE_CLOUDSIGMA_WAIT_MS, 120_000, 1000),
    billing: {
      currency: (merged.NUBE_BILLING_CURRENCY ?? 'EUR').toUpperCase(),
      prices: merged.NUBE_BILLING_PRICES ?? '',
      meterEveryMs: int('NUBE_BILLING_METER_MS', merged.NUBE_BILLING_METER_MS, 60000, 0),
    },
    auth: {
      perAddress: int('NUBE_AUTH_FAILURES_PER_ADDRESS', merged.NUBE_AUTH_FAILURES_PER_ADDRESS, 30, 0),
      perLogin: int('NUBE_AUTH_FAILURES_PER_LOGIN', merged.NUBE_AUTH_FAILURES_PER_LOGIN, 10, 0),
      windowMs: int('NUBE_AUTH_WINDOW_MS', merged.NUBE_AUTH_WINDOW_MS, 600_000, 1000),
      lockoutMs: int('NUBE_AUTH_LOCKOUT_MS', merged.NUBE_AUTH_LOCKOUT_MS, 60_000, 100),
      lockoutMaxMs: int('NUBE_AUTH_LOCKOUT_MAX_MS', merged.NUBE_AUTH_LOCKOUT_MAX_MS, 900_000, 100),
      tracked: int('NUBE_AUTH_TRACKED', merged.NUBE_AUTH_TRACKED, 10_000, 100),
      hashThreads: int('NUBE_AUTH_HASH_THREADS', merged.NUBE_AUTH_HASH_THREADS, 0, 0),
      hashQueue: int('NUBE_AUTH_HASH_QUEUE', merged.NUBE_AUTH_HASH_QUEUE, 32, 0),
    },
    defaultLimits: parseLimits('NUBE_DEFAULT_LIMITS', merged.NUBE_DEFAULT_LIMITS),
    http: httpLimits(merged),
    outbound: outboundConfig(merged),
    rateLimits: onOff('NUBE_RATE_LIMITS', merged.NUBE_RATE_LIMITS, true),
    listCacheItems: int('NUBE_LIST_CACHE_ITEMS', merged.NUBE_LIST_CACHE_ITEMS, 10_000, 0),
    answerCacheMb: int('NUBE_ANSWER_CACHE_MB', merged.NUBE_ANSWER_CACHE_MB, 16, 0),
    shutdownTimeoutMs: int('NUBE_SHUTDOWN_TIMEOUT_MS', merged.NUBE_SHUTDOWN_TIMEOUT_MS, 10_000, 0),
  };
}

/** The outbound settings: private targets, and the retry schedules of callbacks and of webhooks (which default to the callbacks'). */
function outboundConfig(merged: Record<string, string | undefined>): OutboundConfig {
  const callbackRetryMs = int('NUBE_CALLBACK_RETRY_MS', merged.NUBE_CALLBACK_RETRY_MS, 1000, 10);
  const callbackAttempts = int('NUBE_CALLBACK_ATTEMPTS', merged.NUBE_CALLBACK_ATTEMPTS, 5, 1);
  return {
    allowPrivate: merged.NUBE_OUTBOUND_ALLOW_PRIVATE === '1',
    callbackRetryMs,
    callbackAttempts,
    webhookRetryMs: int('NUBE_WEBHOOK_RETRY_MS', merged.NUBE_WEBHOOK_RETRY_MS, callbackRetryMs, 10),
    webhookAttempts: int('NUBE_WEBHOOK_ATTEMPTS', merged.NUBE_WEBHOOK_ATTEMPTS, callbackAttempts, 1),
  };
}

/** An on/off switch: `on` or `off` (any case), the default when unset. */
function onOff(name: string, raw: string | undefined, dflt: boolean): boolean {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '') return dflt;
  if (v !== 'on' && v !== 'off') throw new ConfigError(`${name} must be on or off, got "${raw}"`);
  return v === 'on';
}

/** `name=N,...` over the built-in limits (names not given keep theirs; -1 = unlimited), or `off` for no limits at all. */
function parseLimits(setting: string, raw: string | undefined): Limits {
  const out: Limits = { ...BUILTIN_LIMITS };
  const text = (raw ?? '').trim();
  if (text === '') return out;
  if (text.toLowerCase() === 'off') return Object.fromEntries(LIMIT_NAMES.map((n) => [n, -1])) as Limits;
  for (const part of text.split(',')) {
    const m = /^\s*([a-z_]+)\s*=\s*(-1|\d{1,15})\s*$/.exec(part);
    if (!m)
      throw new ConfigError(
        `${setting} must be name=N,... (N a whole number, -1 = unlimited) or off, got "${part.trim()}"`,
      );
    if (!(LIMIT_NAMES as readonly string[]).includes(m[1]!))
      throw new ConfigError(`${setting}: unknown limit "${m[1]}" (known: ${LIMIT_NAMES.join(', ')})`);
    out[m[1] as LimitName] = Number(m[2]);
  }
  return out;
}

function httpLimits(env: Record<string, string | undefined>): HttpLimits {
  const limits: HttpLimits = {
    maxConnections: int('NUBE_MAX_CONNECTIONS', env.NUBE_MAX_CONNECTIONS, 1024, 1),
    headersTimeoutMs: int('NUBE_HEADERS_TIMEOUT_MS', env.NUBE_HEADERS_TIMEOUT_MS, 10_000, 100),
    requestTimeoutMs: int('NUBE_REQUEST_TIMEOUT_MS', env.NUBE_REQUEST_TIMEOUT_MS, 300_000, 100),
    idleTimeoutMs: int('NUBE_IDLE_TIMEOUT_MS', env.NUBE_IDLE_TIMEOUT_MS, 30_000, 100),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `NUBE_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) may not exceed NUBE_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

function qemuAccel(raw: string | undefined): Config['qemu']['accel'] {
  const v = raw || 'auto';
  if (v !== 'auto' && v !== 'kvm' && v !== 'tcg')
    throw new ConfigError(`NUBE_QEMU_ACCEL must be auto, kvm or tcg, got "${v}"`);
  return v;
}

/** Path of the SQLite file inside the data dir. */
export function sqlitePath(cfg: Config): string {
  return join(cfg.dataDir, 'nube.db');
}
