/** A CloudSigma 1.0 test client over app.inject: Basic auth, text bodies, parsed answers. */
import type { FastifyInstance } from 'fastify';
import { after, before } from 'node:test';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { encodeRecord, parseRecord, parseRecords, parseList } from '../../../src/lib/sigma-text.js';

/** An HTTP answer with its text and parsed forms. */
export interface SigmaAnswer {
  status: number;
  text: string;
  raw: Buffer;
  headers: Record<string, unknown>;
  record: Record<string, string>;
  records: Array<Record<string, string>>;
  list: string[];
}

/** Sends CloudSigma requests as one user. */
export class SigmaClient {
  constructor(
    readonly app: FastifyInstance,
    readonly user: string,
    readonly password: string,
  ) {}

  /** Sends a request; a record body is encoded as `key value` lines (with libcloud's JSON content type). */
  async req(
    method: 'GET' | 'POST',
    url: string,
    body?: Record<string, string> | string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<SigmaAnswer> {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : encodeRecord(body);
    const auth = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    const res = await this.app.inject({
      method,
      url,
      payload,
      headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json', ...headers },
    });
    const text = res.body;
    const parse = <T>(f: () => T, d: T) => {
      try {
        return f();
      } catch {
        return d;
      }
    };
    return {
      status: res.statusCode,
      text,
      raw: res.rawPayload,
      headers: res.headers as Record<string, unknown>,
      record: parse(() => parseRecord(text), {}),
      records: parse(() => parseRecords(text), []),
      list: parseList(text),
    };
  }

  /** GET and expect 200. */
  async get(url: string): Promise<SigmaAnswer> {
    return this.expect('GET', url, undefined, 200);
  }

  /** POST and expect the status (200 by default). */
  async post(
    url: string,
    body?: Record<string, string> | string | Buffer,
    status = 200,
    headers: Record<string, string> = {},
  ): Promise<SigmaAnswer> {
    return this.expect('POST', url, body, status, headers);
  }

  private async expect(
    method: 'GET' | 'POST',
    url: string,
    body: Record<string, string> | string | Buffer | undefined,
    status: number,
    headers: Record<string, string> = {},
  ): Promise<SigmaAnswer> {
    const a = await this.req(method, url, body, headers);
    if (a.status !== status)
      throw new Error(`${method} ${url}: expected ${status}, got ${a.status}: ${a.text.slice(0, 300)}`);
    return a;
  }
}

/** Creates an account with a known password and returns its client. */
export async function sigmaUser(env: TestEnv, name: string): Promise<SigmaClient> {
  const password = `pw-${name}-secret`;
  const a = await env.rt.core.accounts.createAccount(name, { password });
  return new SigmaClient(env.app, a.user.email, password);
}

/** A test file's setting: a test instance with two CloudSigma users, carol and dave (filled in before the tests run). */
export interface SigmaPair {
  env: TestEnv;
  carol: SigmaClient;
  dave: SigmaClient;
}

/** Registers the file's before/after hooks that start the instance (with extra environment) and its two users, and close it. */
export function sigmaPair(vars: Record<string, string> = {}): SigmaPair {
  const pair = {} as SigmaPair;
  before(async () => {
    pair.env = await startTestEnv(vars);
    pair.carol = await sigmaUser(pair.env, 'carol');
    pair.dave = await sigmaUser(pair.env, 'dave');
  });
  after(async () => {
    await pair.env?.close();
  });
  return pair;
}
