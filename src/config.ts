/** Typed configuration: defaults, then an optional JSON config file, then environment variables; validated once against CONFIG_VARS. */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { CONFIG_VARS, type ConfigVars, type VarSchema } from './config-vars.js';

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
  /** NUBE_CHAOS_SEED: the seed `nube serve` sets at start for chaos draws (unset: the stored one, or a random one). */
  chaosSeed?: number;
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
  /** The authoritative DNS server's address (undefined: off) and what new domains get: name servers and SOA contact. */
  dns: DnsConfig;
  /** NUBE_RATE_LIMITS: whether the REST API's per-tier request limits apply (off for emulator use). */
  rateLimits: boolean;
  /** NUBE_TX_GUARD: whether a nested transaction, or a SQLite query that would wait for its own code's transaction, fails at once (tests). */
  txGuard: boolean;
  /** NUBE_LIST_CACHE_ITEMS: how many VM views the list cache may hold (0 = no cache). */
  listCacheItems: number;
  /** NUBE_ANSWER_CACHE_MB: rendered list answers kept by data version, in MiB (0 = none). */
  answerCacheMb: number;
  /** NUBE_LOOP_SAMPLE_MS: the sampling period of the event-loop delay gauges. */
  loopSampleMs: number;
  /** NUBE_SEED_FILE: accounts and resources created once, at first start (absolute path). */
  seedFile?: string;
  /** NUBE_ADMIN_*: the admin's credentials chosen by the operator, used when the admin account is created. */
  admin: AdminCredentials;
  /** One line per problem that does not stop Nube (an unknown NUBE_* variable); serve logs each. */
  warnings: string[];
  /** NUBE_SHUTDOWN_TIMEOUT_MS: how long `nube serve` lets requests and task steps finish after SIGTERM/SIGINT before it exits anyway. */
  shutdownTimeoutMs: number;
}

/** Credentials the operator fixes for the admin account at first start; each one unset is generated. */
export interface AdminCredentials {
  email?: string;
  password?: string;
  /** CloudStack API key and secret (set together). */
  key?: string;
  secret?: string;
  /** The secret part of the REST API token. */
  token?: string;
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

/** The DNS settings: where the server listens (undefined: it does not), the NS names and the SOA contact of new domains. */
export interface DnsConfig {
  listen?: { host: string; port: number };
  nameservers: string[];
  contact: string;
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

/** Variables read by Nube's test suite, proofs and template build script, not by the server: never warned about. */
const NOT_SERVER_VARS = /^NUBE_(TEST_|PROOF_|TEMPLATE_KERNEL$)/;

/** The variables as read: validated values, the file each came from (when NUBE_CONFIG's), and warnings. */
interface ReadVars {
  vars: ConfigVars;
  /** Names of the variables taken from the NUBE_CONFIG file (the environment wins over it). */
  fromFile: Set<string>;
  file?: string;
  warnings: string[];
}

/** The NUBE_CONFIG file's variables as strings, or a ConfigError naming the file. */
function readConfigFile(file: string): Record<string, string> {
  if (!existsSync(file)) throw new ConfigError(`NUBE_CONFIG file not found: ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`NUBE_CONFIG file ${file} is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(`NUBE_CONFIG file ${file} must hold a JSON object of variable names to values`);
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Reads every variable of CONFIG_VARS from env over NUBE_CONFIG's file, converting and checking each against its schema. */
function readVars(env: NodeJS.ProcessEnv): ReadVars {
  const file = env.NUBE_CONFIG || undefined;
  const fileVars = file ? readConfigFile(file) : {};
  const merged: Record<string, string | undefined> = { ...fileVars, ...env };
  const fromFile = new Set(Object.keys(fileVars).filter((k) => env[k] === undefined));
  const known = CONFIG_VARS.properties as Record<string, VarSchema>;
  const where = (name: string) => (fromFile.has(name) ? `${name} (in ${file})` : name);
  const warnings: string[] = [];
  for (const name of Object.keys(merged)) {
    if (name in known || NOT_SERVER_VARS.test(name)) continue;
    if (name.startsWith('NUBE_') || fromFile.has(name)) warnings.push(`unknown variable ${where(name)} ignored`);
  }
  const vars: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(known)) {
    const raw = merged[name];
    if (raw === undefined || raw === '') {
      if (schema.default !== undefined) vars[name] = schema.default;
      continue;
    }
    const value = Value.Convert(schema, raw);
    if (!Value.Check(schema, value)) {
      const got = schema.secret ? '' : `, got "${raw}"`;
      throw new ConfigError(`${where(name)} must be ${schema.expected ?? 'set to a valid value'}${got}`);
    }
    vars[name] = value;
  }
  return { vars: vars as ConfigVars, fromFile, file, warnings };
}

/** Builds the configuration from env (and NUBE_CONFIG, a JSON file of the same variable names), validated by CONFIG_VARS. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { vars: v, fromFile, file, warnings } = readVars(env);
  const where = (name: string) => (fromFile.has(name) ? `${name} (in ${file})` : name);
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(v.NUBE_LISTEN);
  if (!m) throw new ConfigError(`${where('NUBE_LISTEN')} must be HOST:PORT, got "${v.NUBE_LISTEN}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`${where('NUBE_LISTEN')} port out of range: ${port}`);
  if (!!v.NUBE_ADMIN_KEY !== !!v.NUBE_ADMIN_SECRET)
    throw new ConfigError('NUBE_ADMIN_KEY and NUBE_ADMIN_SECRET must be set together');
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const dataDir = resolve(v.NUBE_DATA_DIR);
  return {
    dataDir,
    host,
    port,
    databaseUrl: v.DATABASE_URL,
    driver: v.NUBE_DRIVER,
    db: { waitMs: v.NUBE_DB_WAIT_MS, connectTimeoutMs: v.NUBE_DB_CONNECT_TIMEOUT_MS },
    publicUrl: (v.NUBE_PUBLIC_URL ?? `http://${shownHost}:${port}`).replace(/\/$/, ''),
    masterKey: v.NUBE_MASTER_KEY,
    logLevel: v.NUBE_LOG_LEVEL,
    sim: {
      hostsPerZone: v.NUBE_SIM_HOSTS,
      delayMs: v.NUBE_SIM_DELAY_MS,
      hostCpus: v.NUBE_SIM_HOST_CPUS,
      hostMemMb: v.NUBE_SIM_HOST_MEM_MB,
      hostDiskGb: v.NUBE_SIM_HOST_DISK_GB,
    },
    chaosSeed: v.NUBE_CHAOS_SEED,
    shutdownTimeoutMs: v.NUBE_SHUTDOWN_TIMEOUT_MS,
    qemu: {
      templateDir: resolve(v.NUBE_QEMU_TEMPLATE_DIR ?? join(dataDir, 'templates', 'nube-guest')),
      accel: v.NUBE_QEMU_ACCEL,
      stopTimeoutMs: v.NUBE_QEMU_STOP_TIMEOUT_MS,
    },
    workers: v.NUBE_WORKERS,
    taskLeaseMs: v.NUBE_TASK_LEASE_MS,
    syncWaitMs: v.NUBE_SYNC_WAIT_MS,
    cloudsigmaWaitMs: v.NUBE_CLOUDSIGMA_WAIT_MS,
    billing: {
      currency: v.NUBE_BILLING_CURRENCY.toUpperCase(),
      prices: v.NUBE_BILLING_PRICES,
      meterEveryMs: v.NUBE_BILLING_METER_MS,
    },
    auth: {
      perAddress: v.NUBE_AUTH_FAILURES_PER_ADDRESS,
      perLogin: v.NUBE_AUTH_FAILURES_PER_LOGIN,
      windowMs: v.NUBE_AUTH_WINDOW_MS,
      lockoutMs: v.NUBE_AUTH_LOCKOUT_MS,
      lockoutMaxMs: v.NUBE_AUTH_LOCKOUT_MAX_MS,
      tracked: v.NUBE_AUTH_TRACKED,
      hashThreads: v.NUBE_AUTH_HASH_THREADS,
      hashQueue: v.NUBE_AUTH_HASH_QUEUE,
    },
    defaultLimits: parseLimits(where('NUBE_DEFAULT_LIMITS'), v.NUBE_DEFAULT_LIMITS),
    http: httpLimits(v, where),
    outbound: {
      allowPrivate: v.NUBE_OUTBOUND_ALLOW_PRIVATE === '1',
      callbackRetryMs: v.NUBE_CALLBACK_RETRY_MS,
      callbackAttempts: v.NUBE_CALLBACK_ATTEMPTS,
      webhookRetryMs: v.NUBE_WEBHOOK_RETRY_MS ?? v.NUBE_CALLBACK_RETRY_MS,
      webhookAttempts: v.NUBE_WEBHOOK_ATTEMPTS ?? v.NUBE_CALLBACK_ATTEMPTS,
    },
    dns: dnsConfig(v, where),
    rateLimits: v.NUBE_RATE_LIMITS.toLowerCase() === 'on',
    txGuard: v.NUBE_TX_GUARD.toLowerCase() === 'on',
    listCacheItems: v.NUBE_LIST_CACHE_ITEMS,
    answerCacheMb: v.NUBE_ANSWER_CACHE_MB,
    loopSampleMs: v.NUBE_LOOP_SAMPLE_MS,
    seedFile: v.NUBE_SEED_FILE ? resolve(v.NUBE_SEED_FILE) : undefined,
    admin: {
      email: v.NUBE_ADMIN_EMAIL,
      password: v.NUBE_ADMIN_PASSWORD,
      key: v.NUBE_ADMIN_KEY,
      secret: v.NUBE_ADMIN_SECRET,
      token: v.NUBE_ADMIN_TOKEN,
    },
    warnings,
  };
}

/** NUBE_DNS_*: the listener (HOST:PORT or off), the name servers and the SOA contact, lower-cased without trailing dots. */
function dnsConfig(v: ConfigVars, where: (name: string) => string): DnsConfig {
  const clean = (n: string) => n.trim().toLowerCase().replace(/\.$/, '');
  const nameservers = v.NUBE_DNS_NAMESERVERS.split(',').map(clean);
  const contact = clean(v.NUBE_DNS_CONTACT);
  if (v.NUBE_DNS_LISTEN.toLowerCase() === 'off') return { nameservers, contact };
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(v.NUBE_DNS_LISTEN)!;
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`${where('NUBE_DNS_LISTEN')} port out of range: ${port}`);
  return { listen: { host: m[1]!.replace(/^\[|\]$/g, ''), port }, nameservers, contact };
}

/** `name=N,...` over the built-in limits (names not given keep theirs; -1 = unlimited), or `off` for no limits at all. */
function parseLimits(setting: string, raw: string): Limits {
  const out: Limits = { ...BUILTIN_LIMITS };
  const text = raw.trim();
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

/** The listener's limits; the headers timeout may not exceed the whole request's. */
function httpLimits(v: ConfigVars, where: (name: string) => string): HttpLimits {
  const limits: HttpLimits = {
    maxConnections: v.NUBE_MAX_CONNECTIONS,
    headersTimeoutMs: v.NUBE_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: v.NUBE_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: v.NUBE_IDLE_TIMEOUT_MS,
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `${where('NUBE_HEADERS_TIMEOUT_MS')} (${limits.headersTimeoutMs}) may not exceed ${where('NUBE_REQUEST_TIMEOUT_MS')} (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** Path of the SQLite file inside the data dir. */
export function sqlitePath(cfg: Config): string {
  return join(cfg.dataDir, 'nube.db');
}
