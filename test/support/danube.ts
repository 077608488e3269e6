/** A Danube test server: a real listener on a fresh store, a SuperAdmin (the Nube admin account) and a user account, each with an es client. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEnv, type TestEnv } from './runtime.js';
import { EsClient, type EsOptions } from './es-client.js';

/** The running server and its clients. */
export interface DanubeEnv {
  env: TestEnv;
  /** http://127.0.0.1:PORT/api */
  url: string;
  /** Signed in as the admin account's user (SuperAdmin). */
  admin: EsClient;
  adminPassword: string;
  adminApiKey: string;
  /** Signed in as the owner of account "bob" (not an admin). */
  bob: EsClient;
  bobPassword: string;
  bobApiKey: string;
  /** A new client for url with its own token file. */
  client(opts?: EsOptions): EsClient;
  close(): Promise<void>;
}

/** Starts the server, creates the accounts and signs both clients in. */
export async function startDanube(env: Record<string, string> = {}): Promise<DanubeEnv> {
  const t = await startTestEnv(env);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = t.app.server.address() as { port: number };
  const url = `http://127.0.0.1:${addr.port}/api`;
  const dir = mkdtempSync(join(tmpdir(), 'es-'));
  let n = 0;
  const client = (opts: EsOptions = {}) => new EsClient(url, { tokenFile: join(dir, `session-${n++}`), ...opts });
  const admin = await t.rt.core.accounts.createAccount('admin', { admin: true, password: 'admin-password-1' });
  const bob = await t.rt.core.accounts.createAccount('bob', { password: 'bob-password-1' });
  const adminClient = client();
  const bobClient = client();
  const a1 = await adminClient.login('admin', 'admin-password-1');
  const b1 = await bobClient.login('bob', 'bob-password-1');
  if (a1.status !== 200 || b1.status !== 200) throw new Error(`login failed: ${a1.text} ${b1.text}`);
  return {
    env: t,
    url,
    admin: adminClient,
    adminPassword: 'admin-password-1',
    adminApiKey: admin.credentials['user-api-key'].apiKey,
    bob: bobClient,
    bobPassword: 'bob-password-1',
    bobApiKey: bob.credentials['user-api-key'].apiKey,
    client,
    close: () => t.close(),
  };
}
