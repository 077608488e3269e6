/** Boot sequence shared by `nube serve`, the admin CLI and tests: config → store → migrate → seed → core → engine. */
import pino, { type Logger } from 'pino';
import { logStream } from './lib/log-stream.js';
import { type Config, sqlitePath } from './config.js';
import { openStore, type Store, type StoreOptions } from './store/db.js';
import { migrate } from './store/migrate.js';
import { PgStatistics } from './store/pg-statistics.js';
import { waitForDatabase } from './store/wait.js';
import { MasterKey } from './core/accounts/secrets.js';
import { CatalogService } from './core/catalog/service.js';
import { SEED_LOCK, seedCatalog, seedDriverCatalog } from './core/catalog/seed.js';
import { Core } from './core/core.js';
import type { CoreDeps } from './core/deps.js';
import { TaskEngine } from './tasks/engine.js';
import { registerTaskHandlers } from './core/register-tasks.js';
import { loadComputeDriver, loadDriverSeed } from './drivers/compute/load.js';
import type { ComputeDriver } from './drivers/compute/driver.js';
import { openVolumeStorage } from './drivers/storage/load.js';
import { checkMasterKey } from './core/accounts/key-check.js';
import { storeLabel } from './store/locate.js';
import { SETTINGS, writeSetting } from './store/settings.js';
import { makeDataDirPrivate } from './lib/private-files.js';
import { Scheduler } from './core/schedules/scheduler.js';
import { ChaosSnapshots } from './store/chaos.js';
import { logTasksOf } from './tasks/task-lines.js';

/** Everything a running Nube holds. */
export interface Runtime {
  config: Config;
  store: Store;
  core: Core;
  engine: TaskEngine;
  driver: ComputeDriver;
  /** Fires snapshot and backup definitions; started beside the engine (serve starts both). */
  scheduler: Scheduler;
  log: Logger;
  /**
   * Starts the background work of a serving process: PostgreSQL's statistics keeper, chaos rules, the task engine, the
   * callback and webhook workers and the scheduler (one list, so `nube serve` and startEngine cannot drift apart).
   */
  start(): Promise<void>;
  /** Stops the scheduler, the engine and the callback and webhook workers and closes the store. */
  close(): Promise<void>;
}

/** How createRuntime starts: engine now or later, its logger and key, whether to wait for PostgreSQL (serve does), and
 * whether the store must exist already (CLI commands: nothing is created, and nothing is seeded for a driver). */
export interface RuntimeOptions {
  startEngine?: boolean;
  log?: Logger;
  masterKey?: MasterKey;
  waitForDatabase?: boolean;
  existing?: boolean;
}

/** Opens and prepares everything; the engine starts only when startEngine is true. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? (await processLogger(config.logLevel));
  if (!opts.existing) makeDataDirPrivate(config.dataDir, log);
  const secrets = opts.masterKey ?? MasterKey.load(config.dataDir, config.masterKey, { create: !opts.existing });
  const pgOptions: Partial<StoreOptions> = {
    connectTimeoutMs: config.db.connectTimeoutMs,
    onConnectionError: (err) => log.warn({ err: err.message }, 'database connection lost; it is replaced on next use'),
  };
  const store = openStore({
    sqlitePath: sqlitePath(config),
    databaseUrl: config.databaseUrl,
    guardTransactions: config.txGuard,
    ...pgOptions,
  });
  try {
    if (config.databaseUrl) {
      await waitForDatabase(store, {
        waitMs: opts.waitForDatabase ? config.db.waitMs : 0,
        databaseUrl: config.databaseUrl,
        onWait: (msg) => log.warn(msg),
      });
    }
    await migrate(store);
    await checkMasterKey(
      store,
      secrets,
      storeLabel({ sqlitePath: sqlitePath(config), databaseUrl: config.databaseUrl }),
      log,
    );
    await store.tx(async (trx) => {
      await store.lock(trx, SEED_LOCK);
      return seedCatalog(trx, config);
    });
    if (!opts.existing) await writeSetting(store.db, SETTINGS.driver, config.driver);
    const driverSeed = opts.existing ? null : await loadDriverSeed(config);
    if (driverSeed) {
      await store.tx(async (trx) => {
        await store.lock(trx, SEED_LOCK);
        await seedDriverCatalog(trx, config.driver, driverSeed);
      });
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  // On PostgreSQL the engine gets its own pool: API transactions waiting on row locks must never starve task handling.
  const taskStore =
    store.kind === 'postgres' ? openStore({ databaseUrl: config.databaseUrl, poolSize: 10, ...pgOptions }) : store;
  const storage = openVolumeStorage(config.dataDir, config.driver);
  const chaos = new ChaosSnapshots(store.db);
  const driver = loadComputeDriver(taskStore, config, storage, chaos);
  const engine = new TaskEngine(taskStore, { workers: config.workers, leaseMs: config.taskLeaseMs, log });
  logTasksOf(store, log);
  const catalog = new CatalogService(store);
  const coreDeps: CoreDeps = {
    store,
    config,
    secrets,
    catalog,
    tasks: engine,
    storage,
    driver,
    chaos,
    driverSeed: () => loadDriverSeed(config),
  };
  registerTaskHandlers(engine, { store: taskStore, driver, storage, core: { ...coreDeps, store: taskStore } });
  const core = new Core(coreDeps);
  const scheduler = new Scheduler(core, { log });
  const statistics = new PgStatistics(store, log);
  const rt: Runtime = {
    config,
    store,
    core,
    engine,
    driver,
    scheduler,
    log,
    async start() {
      statistics.start();
      await core.chaos.start(config.chaosSeed);
      await engine.start();
      core.callbacks.start(log);
      core.webhooks.start(log);
      scheduler.start();
    },
    async close() {
      await statistics.stop();
      await scheduler.stop();
      await core.callbacks.stop();
      await core.webhooks.stop();
      await engine.stop();
      await core.volumes
        .flushCounters()
        .catch((err: unknown) => log.error({ err }, 'drive I/O counters could not be saved'));
      await storage
        .close()
        .catch((err: unknown) => log.error({ err }, 'a drive write accepted earlier could not be written'));
      if (taskStore !== store) await taskStore.close();
      await store.close();
    },
  };
  if (opts.startEngine) await rt.start();
  return rt;
}

/** The process's logger: JSON lines for log collectors (lib/log-stream.ts), or pino-pretty's readable lines when stdout is a terminal (loaded only then). */
async function processLogger(level: string): Promise<Logger> {
  if (!process.stdout.isTTY) return pino({ level }, logStream());
  try {
    // Named through a variable: the import happens only on a terminal, and without the package the lines stay JSON.
    const pretty = 'pino-pretty';
    const { default: prettyStream } = (await import(pretty)) as {
      default: (opts: Record<string, unknown>) => NodeJS.WritableStream;
    };
    return pino(
      { level },
      prettyStream({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }),
    );
  } catch {
    return pino({ level });
  }
}
