/**
 * The embedding API: `startNube()` starts Nube inside a test suite's own process (the same boot steps as `nube serve`)
 * and returns its URL, the admin's credentials and a stop function, so a suite needs no separate server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { boot } from './cli/boot.js';
import type { SeedDoc } from './cli/seed/schema.js';

/** A seed document given in code (the same shape as a NUBE_SEED_FILE). */
export type { SeedDoc } from './cli/seed/schema.js';

/** How to start an embedded Nube; every field is optional. */
export interface StartNubeOptions {
  /** Data directory; default a fresh temporary directory, removed again by stop(). */
  dataDir?: string;
  /** TCP port on 127.0.0.1; default 0, a free port. */
  port?: number;
  /** A PostgreSQL URL; default the embedded SQLite store in the data directory. */
  databaseUrl?: string;
  /** Compute driver; default `sim`. */
  driver?: 'sim' | 'qemu';
  /** A seed applied at first start: the path of a YAML or JSON file, or the document itself. */
  seed?: string | SeedDoc;
  /** pino log level; default `silent`. */
  logLevel?: string;
  /** Any other configuration variables (`NUBE_*`), as `nube serve` reads them from the environment (the DNS server is off unless NUBE_DNS_LISTEN is given here). */
  env?: Record<string, string>;
}

/** A running embedded Nube. */
export interface RunningNube {
  /** Base URL of every dialect (CloudStack at `${url}/compute`, CVM at `${url}/api/client`, ...). */
  url: string;
  /** The admin's credentials, as in credentials.json: `cloudstack.key`, `cloudstack.secret`, `password`, `rest.token`, ... */
  credentials: Record<string, any>;
  /** Stops the server and closes the store (and removes the data directory when startNube made it). */
  stop(): Promise<void>;
}

/** Starts Nube in this process; resolves once it serves, like `nube serve` printing Ready. */
export async function startNube(options: StartNubeOptions = {}): Promise<RunningNube> {
  const madeDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'nube-embed-'));
  const env: Record<string, string> = {
    NUBE_DATA_DIR: options.dataDir ?? madeDir!,
    NUBE_LISTEN: `127.0.0.1:${options.port ?? 0}`,
    NUBE_LOG_LEVEL: options.logLevel ?? 'silent',
    // A suite may start several embedded servers at once: none takes the DNS port unless env asks for it.
    NUBE_DNS_LISTEN: 'off',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.driver ? { NUBE_DRIVER: options.driver } : {}),
    ...(typeof options.seed === 'string' ? { NUBE_SEED_FILE: options.seed } : {}),
    ...options.env,
  };
  try {
    const booted = await boot(loadConfig(env), {
      seed: typeof options.seed === 'object' ? options.seed : undefined,
    });
    const credentials =
      booted.firstStart ?? (JSON.parse(readFileSync(booted.credFile, 'utf8')) as Record<string, unknown>);
    let stopped = false;
    return {
      url: booted.config.publicUrl,
      credentials,
      async stop() {
        if (stopped) return;
        stopped = true;
        await booted.stop();
        if (madeDir) rmSync(madeDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (madeDir) rmSync(madeDir, { recursive: true, force: true });
    throw err;
  }
}
