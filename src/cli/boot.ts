/**
 * The boot steps `nube serve` and the embedding API (src/embed.ts) share: lock the data dir, open the runtime, listen,
 * create the admin account and credentials.json, apply the seed file once, then start the engine and the workers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { ConfigError, type Config } from '../config.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { buildApp, warmRouteSchemas } from '../app.js';
import { CoreError, isDatabaseUnavailable } from '../lib/errors.js';
import type { CreatedAccount, PreparedAccount } from '../core/accounts/service.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import {
  accountLackingRest,
  addRestSection,
  credentialsJson,
  syncCredentialsFile,
  writeCredentialsFile,
  type CredentialsFileState,
} from './credentials.js';
import { applySeedOnce, type SeedSource, type SeededAccount } from './seed/apply.js';
import { DnsServer } from '../dns/server.js';

/** A Nube booted and serving: what serve prints and what the embedding API returns. */
export interface Booted {
  config: Config;
  rt: Runtime;
  app: FastifyInstance;
  /** Where credentials.json is. */
  credFile: string;
  /** The admin's credentials JSON when this start created the admin account (shown once). */
  firstStart: Record<string, unknown> | null;
  /** True when another process created the admin account at the same moment. */
  adminByOther: boolean;
  fileState: CredentialsFileState;
  /** Accounts the seed file created on this start (empty when it was applied before or there is none). */
  seeded: SeededAccount[];
  /** The authoritative DNS server, unless NUBE_DNS_LISTEN is off. */
  dns?: DnsServer;
  /** Stops accepting, closes the app, the runtime and the data dir lock. */
  stop(): Promise<void>;
}

/** What boot may be given besides the configuration: a logger, and a seed given as an object instead of NUBE_SEED_FILE. */
export interface BootOptions {
  log?: Logger;
  seed?: SeedSource;
}

/** How often a stopping server closes the connections that have become idle. */
const IDLE_SWEEP_MS = 100;

/** Boots Nube on config and returns it ready; a listen failure is a ConfigError naming NUBE_LISTEN. */
export async function boot(config: Config, opts: BootOptions = {}): Promise<Booted> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const dirLock = config.databaseUrl ? undefined : lockDataDir(config.dataDir);
  let ready = false;
  let rt: Runtime | undefined;
  let app: FastifyInstance | undefined;
  let metering: NodeJS.Timeout | undefined;
  let dns: DnsServer | undefined;
  const stop = async () => {
    ready = false;
    if (metering) clearInterval(metering);
    // A keep-alive connection whose request was in flight becomes idle once answered: close it then, not after NUBE_IDLE_TIMEOUT_MS.
    const idle = app && setInterval(() => app!.server.closeIdleConnections(), IDLE_SWEEP_MS);
    await app?.close().finally(() => clearInterval(idle));
    await dns?.stop();
    await rt?.close();
    dirLock?.release();
  };
  try {
    rt = await createRuntime(config, { startEngine: false, waitForDatabase: true, log: opts.log });
    for (const warning of config.warnings) rt.log.warn(warning);
    for (const file of await rt.core.volumes.sweepOrphans(performance.timeOrigin))
      rt.log.warn({ file }, 'removed a storage file that no volume or snapshot owns');
    // A first start hashes the admin's password on the hashing threads while the HTTP routes are built.
    const adminDraft = await draftAdmin(rt);
    app = await buildApp({ core: rt.core, readiness: { ready: () => ready }, log: rt.log });
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      throw listenError(config, err);
    }
    usePortListenedOn(config, app);
    dns = await startDns(config, rt);
    // Only now, with the listener up, is the admin account created and credentials.json written: its URLs work.
    const credFile = join(config.dataDir, 'credentials.json');
    const admin = await ensureAdmin(rt, adminDraft);
    const firstStart = admin.created ? credentialsJson(config, admin.created) : null;
    if (firstStart) writeCredentialsFile(credFile, firstStart);
    const fileState = firstStart ? 'current' : syncCredentialsFile(credFile, config);
    // A data dir from before the REST dialect: its admin gets an Admin-role token, added to the file.
    const lacking = fileState === 'current' || fileState === 'updated' ? accountLackingRest(credFile) : undefined;
    if (lacking) {
      const { shown } = await rt.core.credentials.issueTo('api-token', lacking, { role: 'admin', name: 'default' });
      addRestSection(credFile, config, shown.token);
    }
    await rt.start();
    const seeded = await applySeedOnce(rt, opts.seed ?? config.seedFile);
    metering = startMetering(rt);
    ready = true;
    warmRouteSchemas(app);
    return { config, rt, app, credFile, firstStart, adminByOther: !!admin.byOther, fileState, seeded, dns, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts the DNS server on NUBE_DNS_LISTEN (none when off); a bind failure is a ConfigError naming the setting. */
async function startDns(config: Config, rt: Runtime): Promise<DnsServer | undefined> {
  const at = config.dns.listen;
  if (!at) return undefined;
  const server = new DnsServer({
    host: at.host,
    port: at.port,
    zones: rt.core.dns,
    ptr: rt.core.reverseDns,
    log: rt.log,
  });
  try {
    await server.start();
  } catch (err) {
    throw new ConfigError(
      `Cannot listen for DNS on ${at.host}:${at.port} (${(err as Error).message}); set NUBE_DNS_LISTEN to a free address or off`,
    );
  }
  return server;
}

/** With NUBE_LISTEN's port 0 the system picks one: the configuration (and the public URL derived from it) take it. */
function usePortListenedOn(config: Config, app: FastifyInstance): void {
  if (config.port !== 0) return;
  const { port } = app.server.address() as AddressInfo;
  if (config.publicUrl.endsWith(':0')) config.publicUrl = `${config.publicUrl.slice(0, -2)}:${port}`;
  config.port = port;
}

/** Meters billing every NUBE_BILLING_METER_MS (never when 0); a database outage skips a round. */
function startMetering(rt: Runtime): NodeJS.Timeout | undefined {
  const every = rt.config.billing.meterEveryMs;
  if (every <= 0) return undefined;
  const timer = setInterval(() => {
    rt.core.billing.meterDue().catch((err: unknown) => {
      if (isDatabaseUnavailable(err)) rt.log.warn('billing metering skipped: the database is unavailable');
      else rt.log.error({ err }, 'billing metering failed');
    });
  }, every);
  timer.unref();
  return timer;
}

/**
 * Creates the admin account unless it exists (from draft when one was started), with the credentials NUBE_ADMIN_* fix
 * (the rest generated); another serve starting on the same database may create it first.
 */
async function ensureAdmin(
  rt: Runtime,
  draft?: PreparedAccount,
): Promise<{ created?: CreatedAccount; byOther?: boolean }> {
  if (await adminExists(rt)) return {};
  try {
    const prepared = draft ?? (await draftAdmin(rt));
    return prepared ? { created: await prepared.create() } : {};
  } catch (err) {
    if (err instanceof CoreError && err.reason === 'exists' && (await adminExists(rt))) return { byOther: true };
    throw err;
  }
}

/** The admin account's creation started (its credentials issued) when it does not exist yet; undefined when it does. */
async function draftAdmin(rt: Runtime): Promise<PreparedAccount | undefined> {
  if (await adminExists(rt)) return undefined;
  const fixed = rt.config.admin;
  return rt.core.accounts.prepareAccount('admin', {
    email: fixed.email ?? 'admin@nube.local',
    password: fixed.password,
    admin: true,
    given: { apiKey: fixed.key, apiSecret: fixed.secret, restToken: fixed.token },
  });
}

/** True once an account named admin exists. */
async function adminExists(rt: Runtime): Promise<boolean> {
  return !!(await rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirst());
}

/** A listen failure as one line naming the setting to change. */
function listenError(config: Config, err: unknown): Error {
  const code = (err as { code?: string }).code;
  const why =
    code === 'EADDRINUSE'
      ? 'the address is already in use'
      : code === 'EACCES'
        ? 'permission denied'
        : (err as Error).message;
  return new ConfigError(`Cannot listen on ${config.host}:${config.port} (${why}); set NUBE_LISTEN to a free address`);
}
