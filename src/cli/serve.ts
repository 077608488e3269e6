/** `nube serve`: boots the runtime, listens, creates the admin account on first start, prints Ready. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { buildApp } from '../app.js';
import { CoreError, isDatabaseUnavailable } from '../lib/errors.js';
import type { CreatedAccount } from '../core/accounts/service.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import {
  accountLackingRest,
  addRestSection,
  credentialsJson,
  syncCredentialsFile,
  writeCredentialsFile,
} from './credentials.js';

/** Runs the server until SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  const t0 = performance.now();
  const config = loadConfig();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const dirLock = config.databaseUrl ? undefined : lockDataDir(config.dataDir);
  let ready = false;
  const rt = await createRuntime(config, { startEngine: false, waitForDatabase: true });
  for (const file of await rt.core.volumes.sweepOrphans(performance.timeOrigin))
    rt.log.warn({ file }, 'removed a storage file that no volume or snapshot owns');
  const app = await buildApp({ core: rt.core, readiness: { ready: () => ready }, log: rt.log });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    await rt.close();
    throw listenError(config, err);
  }
  // Only now, with the listener up, is the admin account created and credentials.json written: its URLs work.
  const credFile = join(config.dataDir, 'credentials.json');
  const admin = await ensureAdmin(rt);
  const firstStart = admin.created ? credentialsJson(config, admin.created) : null;
  if (firstStart) writeCredentialsFile(credFile, firstStart);
  const fileState = firstStart ? 'current' : syncCredentialsFile(credFile, config);
  // A data dir from before the REST dialect: its admin gets an Admin-role token, added to the file.
  const lacking = fileState === 'current' || fileState === 'updated' ? accountLackingRest(credFile) : undefined;
  if (lacking) {
    const { shown } = await rt.core.credentials.issueTo('api-token', lacking, { role: 'admin', name: 'default' });
    addRestSection(credFile, config, shown.token);
  }
  await rt.engine.start();
  rt.core.callbacks.start(rt.log);
  rt.core.webhooks.start(rt.log);
  rt.scheduler.start();
  const metering =
    config.billing.meterEveryMs > 0
      ? setInterval(() => {
          rt.core.billing.meterDue().catch((err: unknown) => {
            if (isDatabaseUnavailable(err)) rt.log.warn('billing metering skipped: the database is unavailable');
            else rt.log.error({ err }, 'billing metering failed');
          });
        }, config.billing.meterEveryMs)
      : undefined;
  metering?.unref();
  ready = true;
  if (firstStart) {
    process.stdout.write(
      `Admin credentials (shown once, also in ${credFile}):\n${JSON.stringify(firstStart, null, 2)}\n`,
    );
  } else if (admin.byOther) {
    process.stdout.write(
      "The admin account was created by another nube serve starting on this database at the same time; its credentials.json is in that server's data dir.\n",
    );
  } else if (fileState === 'missing') {
    process.stdout.write(
      `The admin account exists but ${credFile} is missing; create a new key pair with \`nube admin keys create admin\`.\n`,
    );
  } else if (fileState === 'unreadable') {
    process.stdout.write(
      `Credentials of the admin account: ${credFile} is not valid JSON; its URLs were left as they are.\n`,
    );
  } else {
    process.stdout.write(
      `Credentials of the admin account are in ${credFile}${fileState === 'updated' ? ` (URLs now ${config.publicUrl})` : ''}.\n`,
    );
  }
  process.stdout.write(
    `Nube listening on ${config.publicUrl} (driver ${config.driver}, store ${rt.store.kind}) in ${Math.round(performance.now() - t0)} ms\nReady.\n`,
  );
  stopOnSignals(rt, async () => {
    ready = false;
    if (metering) clearInterval(metering);
    // A keep-alive connection whose request was in flight becomes idle once answered: close it then, not after NUBE_IDLE_TIMEOUT_MS.
    const idle = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    await app.close().finally(() => clearInterval(idle));
    await rt.close();
    dirLock?.release();
  });
}

/** How often a stopping server closes the connections that have become idle. */
const IDLE_SWEEP_MS = 100;
/** Exit code of a second signal during shutdown (as a shell reports an interrupted command). */
const EXIT_INTERRUPTED = 130;
/** Exit code when requests or task steps were still running at NUBE_SHUTDOWN_TIMEOUT_MS. */
const EXIT_TIMED_OUT = 1;

/**
 * Graceful stop on SIGTERM/SIGINT: close (the listener stops accepting, in-flight requests and running task steps
 * finish), within NUBE_SHUTDOWN_TIMEOUT_MS; past it, or on a second signal, the process exits at once and the tasks left
 * running are taken up again by the next start (SQLite: at once; PostgreSQL: when their lease runs out).
 */
function stopOnSignals(rt: Runtime, close: () => Promise<void>): void {
  const timeoutMs = rt.config.shutdownTimeoutMs;
  let since = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (since) {
      rt.log.warn({ signal }, 'second signal: exiting now; unfinished tasks are taken up again at the next start');
      process.exit(EXIT_INTERRUPTED);
    }
    since = performance.now();
    rt.log.info({ signal, timeoutMs }, 'shutting down: no new connections; letting requests and task steps finish');
    const timer = setTimeout(() => {
      rt.log.warn(
        { timeoutMs },
        'shutdown timed out (NUBE_SHUTDOWN_TIMEOUT_MS): exiting; unfinished tasks are taken up again at the next start',
      );
      process.exit(EXIT_TIMED_OUT);
    }, timeoutMs);
    close().then(
      () => {
        clearTimeout(timer);
        rt.log.info({ ms: Math.round(performance.now() - since) }, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        rt.log.error({ err }, 'shutdown failed');
        process.exit(EXIT_TIMED_OUT);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Creates the admin account unless it exists; another serve starting on the same database may create it first. */
async function ensureAdmin(rt: Runtime): Promise<{ created?: CreatedAccount; byOther?: boolean }> {
  const exists = async () =>
    !!(await rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirst());
  if (await exists()) return {};
  try {
    return { created: await rt.core.accounts.createAccount('admin', { email: 'admin@nube.local', admin: true }) };
  } catch (err) {
    if (err instanceof CoreError && err.reason === 'exists' && (await exists())) return { byOther: true };
    throw err;
  }
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
