/**
 * Every variable Nube reads, as one TypeBox schema: its type, its bounds, its default and its meaning. loadConfig
 * validates against it, and the README's configuration table is generated from it (`npm run docs`), so the two
 * cannot drift apart.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Extra keys a variable's schema may carry: the README's default column, the expected shape, secrecy. */
interface VarDoc {
  description: string;
  /** The README's default column when it is not the schema's default (derived, or unset). */
  shownDefault?: string;
  /** How a bad value is described in the error ("must be <expected>"). */
  expected?: string;
  /** A secret: an error never repeats its value. */
  secret?: boolean;
}

const int = (dflt: number, minimum: number, doc: VarDoc) =>
  Type.Integer({ default: dflt, minimum, ...doc, expected: doc.expected ?? `an integer >= ${minimum}` });
const optInt = (minimum: number, doc: VarDoc) =>
  Type.Optional(Type.Integer({ minimum, ...doc, expected: doc.expected ?? `an integer >= ${minimum}` }));
const str = (dflt: string, doc: VarDoc) => Type.String({ default: dflt, ...doc });
const optStr = (doc: VarDoc, pattern?: string) =>
  Type.Optional(Type.String(pattern ? { ...doc, pattern } : { ...doc, minLength: 1 }));
const oneOf = <const T extends string[]>(values: T, dflt: T[number], doc: VarDoc) =>
  Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { default: dflt, ...doc, expected: values.join(', ').replace(/, ([^,]*)$/, ' or $1') },
    ),
  );

/** The variables, by name: `NUBE_*` and DATABASE_URL, each a string in the environment or a value in NUBE_CONFIG's file. */
export const CONFIG_VARS = Type.Object({
  NUBE_CONFIG: optStr({
    description: 'a JSON file of these variables (an object of name to value); the environment wins over it',
    shownDefault: 'unset',
  }),
  NUBE_DATA_DIR: str('./.nube', { description: 'SQLite file, master key, volume data, credentials file' }),
  NUBE_LISTEN: str('127.0.0.1:8080', {
    description: 'address and port of the HTTP listener (all dialects)',
    expected: 'HOST:PORT',
  }),
  DATABASE_URL: optStr(
    {
      description: '`postgres://...` switches the store to PostgreSQL (several `nube serve` may share it)',
      shownDefault: 'unset',
      expected: 'a URL starting with postgres:// (unset it to use the embedded SQLite store)',
      secret: true,
    },
    '^postgres(ql)?://',
  ),
  NUBE_DB_WAIT_MS: int(60000, 0, {
    description:
      'PostgreSQL: how long `nube serve` waits for the database at start-up (retrying with backoff) before it gives up',
  }),
  NUBE_DB_CONNECT_TIMEOUT_MS: int(5000, 100, {
    description:
      'PostgreSQL: give up opening one connection after this long; requests meanwhile answer each dialect\'s "unavailable" error',
  }),
  NUBE_DRIVER: oneOf(['sim', 'qemu'], 'sim', {
    description: 'compute driver: `sim` (simulated) or `qemu` (real VMs, see below)',
  }),
  NUBE_QEMU_ACCEL: oneOf(['auto', 'kvm', 'tcg'], 'auto', {
    description: '`auto` probes KVM and falls back to TCG; `kvm` or `tcg` force one',
  }),
  NUBE_QEMU_TEMPLATE_DIR: optStr({
    description: 'where the guest template is built and read',
    shownDefault: '`<data dir>/templates/nube-guest`',
  }),
  NUBE_QEMU_STOP_TIMEOUT_MS: int(30000, 0, {
    description: 'graceful stop: wait this long after the ACPI power-down before QEMU is told to quit',
  }),
  NUBE_PUBLIC_URL: optStr({ description: 'base URL written into credentials', shownDefault: 'from `NUBE_LISTEN`' }),
  NUBE_MASTER_KEY: optStr({
    description: '32-byte key (hex or base64) encrypting stored secrets; share it between processes on one PostgreSQL',
    shownDefault: 'key file `<data dir>/master.key`',
    secret: true,
  }),
  NUBE_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info', {
    description: 'pino log level',
  }),
  NUBE_SIM_HOSTS: int(4, 1, { description: 'simulated hosts per zone (set on first start)' }),
  NUBE_SIM_DELAY_MS: int(0, 0, { description: 'delay of every simulated power transition' }),
  NUBE_SIM_HOST_CPUS: int(512, 1, { description: 'vCPUs of each simulated host (set on first start)' }),
  NUBE_SIM_HOST_MEM_MB: int(4 * 1024 * 1024, 1, {
    description: 'memory of each simulated host in MiB (set on first start)',
  }),
  NUBE_SIM_HOST_DISK_GB: int(1024 * 1024, 1, {
    description: 'disk of each simulated host in GiB (set on first start)',
  }),
  NUBE_CHAOS_SEED: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 0xffff_ffff,
      description:
        'seed of the chaos generator, set at every start (see Chaos): the same seed and requests replay the same faults',
      shownDefault: 'stored, else random',
      expected: 'a whole number from 0 to 4294967295',
    }),
  ),
  NUBE_SHUTDOWN_TIMEOUT_MS: int(10_000, 0, {
    description:
      'how long `nube serve` lets requests in flight and running task steps finish after SIGTERM/SIGINT before it exits anyway (exit 1; see the shutdown paragraph below)',
  }),
  NUBE_WORKERS: int(64, 1, { description: 'task handlers running at once per process' }),
  NUBE_TASK_LEASE_MS: int(15000, 100, {
    description: 'task lease; a task whose worker stops heartbeating is taken over after it',
  }),
  NUBE_SYNC_WAIT_MS: int(60000, 1, {
    description:
      'how long a CVM power or reinstall call waits for its task before answering with a timeout (the task goes on)',
  }),
  NUBE_CLOUDSIGMA_WAIT_MS: int(120_000, 1000, {
    description: 'how long a CloudSigma command waits for its task before answering 504 (the task goes on)',
  }),
  NUBE_BILLING_CURRENCY: Type.String({
    default: 'EUR',
    pattern: '^[A-Za-z]{3}$',
    description: 'currency of new accounts (CloudSigma billing), a three-letter code',
    expected: 'a three-letter currency code',
  }),
  NUBE_BILLING_PRICES: str('', {
    description: 'price overrides, `key=amount,...` (keys as in `src/core/billing/money.ts`)',
    shownDefault: 'built-in prices',
  }),
  NUBE_BILLING_METER_MS: int(60000, 0, {
    description: 'how often `nube serve` meters usage and charges subscriptions; `0` = never',
  }),
  NUBE_AUTH_FAILURES_PER_ADDRESS: int(30, 0, {
    description:
      'wrong credentials (any dialect, any login) one source address may send per window before it is locked out; `0` = no limit',
  }),
  NUBE_AUTH_FAILURES_PER_LOGIN: int(10, 0, {
    description:
      'wrong credentials per window for one login (email/username, CloudStack API key, CVM public token) before it is locked out; `0` = no limit',
  }),
  NUBE_AUTH_WINDOW_MS: int(600_000, 1000, { description: 'the window those budgets refill over (continuously)' }),
  NUBE_AUTH_LOCKOUT_MS: int(60_000, 100, { description: 'first lockout; each further one doubles' }),
  NUBE_AUTH_LOCKOUT_MAX_MS: int(900_000, 100, { description: 'the longest lockout' }),
  NUBE_AUTH_TRACKED: int(10_000, 100, {
    description: 'addresses and logins remembered by the throttle (each); the least recently used are dropped',
  }),
  NUBE_AUTH_HASH_THREADS: int(0, 0, {
    description:
      'threads that hash passwords (scrypt), apart from the threads serving file I/O; `0` = CPUs − 1 (1 to 4)',
  }),
  NUBE_AUTH_HASH_QUEUE: int(32, 0, {
    description:
      'password checks waiting for a hashing thread; beyond it a sign-in is refused at once with 429 and `Retry-After: 1`',
  }),
  NUBE_DEFAULT_LIMITS: str('', {
    description:
      "per-account limits every account gets (`name=N,...`; names left out keep these values; `-1` = unlimited; `off` = no limits). Far above what a developer's test run uses, low enough to stop a runaway client; override per account with `nube admin account set-limits`",
    shownDefault:
      '`vms=500,cpus=2000,memory_mb=4194304,volumes=1000,storage_gb=51200,snapshots=1000,ips=500,networks=200`',
  }),
  NUBE_MAX_CONNECTIONS: int(1024, 1, {
    description: 'open HTTP connections at most; further ones are closed at once (and a warning is logged)',
  }),
  NUBE_HEADERS_TIMEOUT_MS: int(10_000, 100, {
    description: "time a client has to send a request's headers (then 408 and the connection is closed)",
  }),
  NUBE_REQUEST_TIMEOUT_MS: int(300_000, 100, {
    description:
      'time a client has to send a whole request, headers and body (long enough for 16 MiB drive writes on slow links)',
  }),
  NUBE_IDLE_TIMEOUT_MS: int(30_000, 100, {
    description:
      'silence allowed while a request body arrives and between requests on a kept-alive connection; a stalled body is cut off',
  }),
  NUBE_OUTBOUND_ALLOW_PRIVATE: optStr({
    description:
      '`1` lets task callbacks and webhooks reach loopback, private (RFC 1918, CGNAT, ULA), link-local and metadata addresses; without it such a URL is refused (tests, labs only)',
    shownDefault: 'unset',
  }),
  NUBE_CALLBACK_RETRY_MS: int(1000, 10, {
    description: 'delay before a failed task callback is sent again; each further delay doubles',
  }),
  NUBE_CALLBACK_ATTEMPTS: int(5, 1, {
    description:
      'attempts of one task callback before it is given up (each attempt is a `callback` entry in the task log)',
  }),
  NUBE_DNS_LISTEN: Type.String({
    default: '127.0.0.1:8053',
    pattern: '^(([oO][fF][fF])|((\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]]+):[0-9]{1,5}))$',
    expected: 'HOST:PORT or off',
    description: 'address and port of the authoritative DNS server for hosted domains (UDP and TCP); `off` disables it',
  }),
  NUBE_DNS_NAMESERVERS: Type.String({
    default: 'ns1.nube.local,ns2.nube.local',
    pattern: '^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$',
    expected: 'a comma-separated list of host names',
    description: 'the name servers every new DNS domain gets as NS records and as the SOA primary (the first)',
  }),
  NUBE_DNS_CONTACT: Type.String({
    default: 'hostmaster.nube.local',
    pattern: '^[A-Za-z0-9.-]+$',
    expected: 'a mailbox written as a host name (hostmaster.example.com)',
    description: "the SOA contact (RNAME) of new DNS domains, the mailbox's @ written as a dot",
  }),
  NUBE_RATE_LIMITS: Type.String({
    default: 'on',
    pattern: '^([oO][nN]|[oO][fF][fF])$',
    expected: 'on or off',
    description:
      "`off` turns off the REST API's per-account request limits (emulator use). Tiers per minute/hour/day: free 60/1000/10000, starter 120/3000/50000, pro 300/10000/200000 (admin accounts are pro; see `set-tier`); counted in the database, shared by every `nube serve`",
  }),
  NUBE_TX_GUARD: Type.String({
    default: 'off',
    pattern: '^([oO][nN]|[oO][fF][fF])$',
    expected: 'on or off',
    description:
      "`on` makes a transaction opened inside another, and a SQLite query issued outside an open transaction by the code running in it, fail at once instead of waiting forever for the caller's own transaction or its place in the PostgreSQL pool (a development check: the test scripts turn it on for both stores; it costs a hook on every promise, ~10% of a cached list)",
  }),
  NUBE_LIST_CACHE_ITEMS: int(10_000, 0, {
    description:
      "VM views the list cache may hold (0 turns it off). A cached page is served only while the database's data version (bumped by triggers in the same transaction as any change a VM list shows) is the one it was read under, so lists are never stale, across processes too",
  }),
  NUBE_ANSWER_CACHE_MB: int(16, 0, {
    description:
      'MiB of rendered list answers (CloudStack `listVirtualMachines`, REST `GET /api/v1/vps`; each cache its own) kept by the same data version, so a repeated list skips rendering; 0 turns it off',
  }),
  NUBE_LOOP_SAMPLE_MS: int(10, 1, {
    description:
      'how often the event-loop delay gauges of /metrics sample the loop; they report how late each sample came, so 1 measures every hold of the loop to the millisecond (at ~3% of a core while idle)',
  }),
  NUBE_WEBHOOK_RETRY_MS: optInt(10, {
    description: 'delay before a failed webhook delivery is sent again; each further delay doubles',
    shownDefault: "the callbacks'",
  }),
  NUBE_WEBHOOK_ATTEMPTS: optInt(1, {
    description: 'attempts of one webhook delivery before it is marked failed',
    shownDefault: "the callbacks'",
  }),
  NUBE_SEED_FILE: optStr({
    description:
      'a YAML or JSON file of accounts (with their credentials), SSH keys, networks, volumes and VMs created at first start (see "Seeds")',
    shownDefault: 'unset',
  }),
  NUBE_ADMIN_EMAIL: optStr({
    description: "the admin's email (CloudSigma login) at first start",
    shownDefault: '`admin@nube.local`',
  }),
  NUBE_ADMIN_PASSWORD: optStr(
    {
      description: "the admin's password (CloudSigma, Danube, web console) at first start, 8 to 128 characters",
      shownDefault: 'generated',
      expected: '8 to 128 characters',
      secret: true,
    },
    '^[\\s\\S]{8,128}$',
  ),
  NUBE_ADMIN_KEY: optStr(
    {
      description:
        "the admin's CloudStack API key at first start (with `NUBE_ADMIN_SECRET`), 8 to 128 of `A-Z a-z 0-9 _ -`",
      shownDefault: 'generated',
      expected: '8 to 128 letters, digits, "_" or "-"',
    },
    '^[A-Za-z0-9_-]{8,128}$',
  ),
  NUBE_ADMIN_SECRET: optStr(
    {
      description: "the admin's CloudStack secret key at first start (with `NUBE_ADMIN_KEY`), same alphabet",
      shownDefault: 'generated',
      expected: '8 to 128 letters, digits, "_" or "-"',
      secret: true,
    },
    '^[A-Za-z0-9_-]{8,128}$',
  ),
  NUBE_ADMIN_TOKEN: optStr(
    {
      description:
        "the secret part of the admin's REST API token at first start, 40 letters and digits (the token is `<id>|<secret>`, its id in credentials.json)",
      shownDefault: 'generated',
      expected: '40 letters and digits',
      secret: true,
    },
    '^[A-Za-z0-9]{40}$',
  ),
});

/** The variables' values once loaded: defaults filled in, each converted and checked. */
export type ConfigVars = Static<typeof CONFIG_VARS>;

/** A variable's schema with the documentation keys CONFIG_VARS gives it. */
export type VarSchema = TSchema & VarDoc & { default?: unknown };

/** The README's configuration table (markdown, one row per variable) generated from CONFIG_VARS. */
export function configTable(): string {
  const rows = Object.entries(CONFIG_VARS.properties).map(([name, s]) => {
    const schema = s as VarSchema;
    const dflt = schema.shownDefault ?? (schema.default === undefined ? 'unset' : `\`${String(schema.default)}\``);
    return `| \`${name}\` | ${dflt} | ${schema.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
