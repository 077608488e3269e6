/** REST dialect test harness: Nube on a real port, accounts "admin" (an admin) and "bob" with their API tokens, and a JSON client. */
import type { AddressInfo } from 'node:net';
import { startTestEnv, type TestEnv } from './runtime.js';
import { CsClient } from './cs-client.js';
import type { CallContext } from '../../src/lib/context.js';

/** An answer: status, headers and the parsed JSON body (null when the body is empty or not JSON). */
export interface RestAnswer {
  status: number;
  headers: Headers;
  json: any;
}

/** What a request may carry besides its method and path. */
export interface RestRequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A running REST test server. */
export interface RestEnv {
  /** The /api/v1 base URL. */
  url: string;
  env: TestEnv;
  adminToken: string;
  bobToken: string;
  /** CloudStack clients of the two accounts, to see the same objects through another dialect. */
  adminCs: CsClient;
  bobCs: CsClient;
  /** Calls /api/v1<path> (or /api<path> when path starts with /api/), with the admin token unless another is given. */
  req(method: string, path: string, opts?: RestRequestOptions): Promise<RestAnswer>;
  /** A token of bob's restricted to these permissions. */
  tokenFor(permissions: string[]): Promise<string>;
  /** A core CallContext of an account, for setting up objects the routes under test do not create. */
  ctxOf(account: 'admin' | 'bob'): Promise<CallContext>;
  close(): Promise<void>;
}

/** Starts Nube (rate limits off unless env says otherwise) listening on 127.0.0.1 and creates the two accounts. */
export async function startRest(env: Record<string, string> = {}): Promise<RestEnv> {
  const t = await startTestEnv({ NUBE_RATE_LIMITS: 'off', ...env });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/api`;
  const core = t.rt.core;
  const admin = await core.accounts.createAccount('admin', { admin: true });
  const bob = await core.accounts.createAccount('bob');
  const adminToken = admin.credentials['api-token'].token;
  const bobToken = bob.credentials['api-token'].token;
  const req = async (method: string, path: string, opts: RestRequestOptions = {}): Promise<RestAnswer> => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${opts.token ?? adminToken}`,
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path.startsWith('/api/') ? `${base}${path.slice(4)}` : `${base}/v1${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, json };
  };
  return {
    url: `${base}/v1`,
    env: t,
    adminToken,
    bobToken,
    adminCs: new CsClient(t.app, admin.credentials['api-key-pair'].key, admin.credentials['api-key-pair'].secret),
    bobCs: new CsClient(t.app, bob.credentials['api-key-pair'].key, bob.credentials['api-key-pair'].secret),
    req,
    async tokenFor(permissions) {
      const { shown } = await core.credentials.issueTo('api-token', 'bob', { permissions });
      return shown.token;
    },
    async ctxOf(account) {
      const row = await t.rt.store.db
        .selectFrom('accounts')
        .select(['id', 'name', 'type'])
        .where('name', '=', account)
        .executeTakeFirstOrThrow();
      return {
        accountId: row.id,
        accountName: row.name,
        userId: null,
        isAdmin: row.type === 'admin',
        requestId: 'test',
        origin: 'test:rest',
      };
    },
    async close() {
      await t.close();
    },
  };
}
