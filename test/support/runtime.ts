/** Test runtime: a fresh SQLite file or a fresh PostgreSQL database per call, the app, and a signed CloudStack client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { MasterKey } from '../../src/core/accounts/secrets.js';
import { CsClient } from './cs-client.js';

/** The database the suite runs on: NUBE_TEST_DB=sqlite (default) or postgres. */
export const TEST_DB = process.env.NUBE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
const PG_ADMIN = process.env.NUBE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A running test instance with an admin-less "alice" account and helpers. */
export interface TestEnv {
  rt: Runtime;
  app: FastifyInstance;
  config: Config;
  cs: CsClient;
  /** The store's master key: another runtime on the same database needs it (any other key is refused). */
  masterKey: MasterKey;
  /** Creates another account and returns a client signed with its key pair. */
  account(name: string): Promise<CsClient>;
  close(): Promise<void>;
}

/** Creates an empty database (of the suite's kind unless told) and returns its URL (PostgreSQL) or data dir (SQLite). */
export async function freshDatabase(
  kind: 'sqlite' | 'postgres' = TEST_DB,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'nube-test-'));
  if (kind === 'sqlite')
    return {
      env: { NUBE_DATA_DIR: dir },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  const name = `nube_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = PG_ADMIN.replace(/\/[^/]*$/, `/${name}`);
  return {
    env: { NUBE_DATA_DIR: dir, DATABASE_URL: url },
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The failed-authentication throttle and the hashing queue's limit are off in test servers that send thousands of wrong
 * credentials from one address on purpose (fuzz and body proofs, in-process envs); test/proof/brute-force.test.ts
 * proves the throttle with the production settings.
 */
export const THROTTLE_OFF = {
  NUBE_AUTH_FAILURES_PER_ADDRESS: '0',
  NUBE_AUTH_FAILURES_PER_LOGIN: '0',
  NUBE_AUTH_HASH_QUEUE: '100000',
};
/** Sets up a store the way a first `nube serve` does (schema, catalog, master key file, check value) and closes it: CLI commands need one. */
export async function createStore(env: Record<string, string>): Promise<void> {
  const rt = await createRuntime(loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...env }), {
    log: pino({ level: 'silent' }),
  });
  await rt.close();
}

/** Boots Nube in-process on a fresh database with the engine running; env overrides configuration, opts.log replaces the (silent) logger. */
export async function startTestEnv(env: Record<string, string> = {}, opts: { log?: Logger } = {}): Promise<TestEnv> {
  const db = await freshDatabase();
  const config = loadConfig({ NUBE_LISTEN: '127.0.0.1:0', NUBE_TX_GUARD: 'on', ...THROTTLE_OFF, ...db.env, ...env });
  const log = opts.log ?? pino({ level: process.env.NUBE_TEST_LOG ?? 'silent' });
  const masterKey = config.masterKey ? MasterKey.load(config.dataDir, config.masterKey) : MasterKey.ephemeral();
  const rt = await createRuntime(config, { startEngine: true, log, masterKey });
  const app = await buildApp({ core: rt.core, readiness: { ready: () => true }, log: rt.log });
  await app.ready();
  const account = async (name: string) => {
    const a = await rt.core.accounts.createAccount(name);
    return new CsClient(app, a.credentials['api-key-pair'].key, a.credentials['api-key-pair'].secret);
  };
  const cs = await account('alice');
  return {
    rt,
    app,
    config,
    cs,
    account,
    masterKey,
    async close() {
      await app.close();
      await rt.close();
      await db.drop();
    },
  };
}
