/** Runs one admin command against the existing store (no task engine) and prints its result as JSON. */
import pino from 'pino';
import { loadConfig, sqlitePath } from '../config.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { findStore } from '../store/locate.js';

/**
 * Opens the store `nube serve` set up, as NUBE_CONFIG, NUBE_DATA_DIR and DATABASE_URL name it, with the compute driver
 * `serve` last ran with; says on stderr which store it opened and never creates one (StoreNotFoundError instead).
 */
export async function openExistingRuntime(): Promise<Runtime> {
  const config = loadConfig();
  const found = await findStore({ sqlitePath: sqlitePath(config), databaseUrl: config.databaseUrl });
  process.stderr.write(`nube: using ${found.label}\n`);
  const driver = found.driver === 'sim' || found.driver === 'qemu' ? found.driver : config.driver;
  return createRuntime({ ...config, driver }, { startEngine: false, log: pino({ level: 'warn' }), existing: true });
}

/** Opens the existing runtime, runs fn, prints what it returns, and closes everything. */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<void> {
  await usingRuntime(async (rt) => {
    const out = await fn(rt);
    if (out !== undefined) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  });
}

/** Opens the existing runtime for a command that prints its own output (a table or JSON), and closes it after. */
export async function usingRuntime(fn: (rt: Runtime) => Promise<void>): Promise<void> {
  const rt = await openExistingRuntime();
  try {
    await fn(rt);
  } finally {
    await rt.close();
  }
}
