/** Clients of the VM dialects over a real HTTP listener (CloudStack signed GETs, CloudSigma Basic-auth text, CVM token pairs, REST bearer
 * tokens), for cross-dialect proofs. */
import type { AddressInfo } from 'node:net';
import type { TestEnv } from '../support/runtime.js';
import { sigmaUser } from '../dialects/cloudsigma/sigma-client.js';
import { cvmFor } from '../dialects/cvm/cvm-client.js';
import { encodeRecord, parseList, parseRecord, parseRecords } from '../../src/lib/sigma-text.js';
import { HttpCs, type CsParams } from './http-cs.js';

/** One account's credentials in each dialect's own form. */
export interface WireCredentials {
  cloudstack: { key: string; secret: string };
  cloudsigma: { email: string; password: string };
  cvm: { publicToken: string; privateToken: string };
  danube: { apiKey: string };
  rest: { token: string };
}

/** Creates an account and one credential per dialect (the only place that knows how; switch it when credentials get issuers). */
export async function wireCredentials(env: TestEnv, name: string): Promise<WireCredentials> {
  const sigma = await sigmaUser(env, name);
  const cs = (await env.rt.core.credentials.issueTo('api-key-pair', name, {})).shown;
  const cvm = await cvmFor(env, name);
  const danube = (await env.rt.core.credentials.issueTo('user-api-key', name, {})).shown;
  const rest = (await env.rt.core.credentials.issueTo('api-token', name, { role: 'admin' })).shown;
  return {
    cloudstack: { key: cs.key, secret: cs.secret },
    cloudsigma: { email: sigma.user, password: sigma.password },
    cvm: { publicToken: cvm.pub!, privateToken: cvm.priv! },
    danube: { apiKey: danube.apiKey },
    rest: { token: rest.token },
  };
}

/** Starts the env's app on a free port of 127.0.0.1 and returns its base URL. */
export async function listen(env: TestEnv): Promise<string> {
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
}

/** CloudStack over HTTP with async-job polling. */
export class WireCs extends HttpCs {
  /** Runs an async command, polls queryAsyncJobResult until it ends and returns the jobresult; a failed job throws. */
  async done(command: string, params: CsParams = {}, timeoutMs = 20_000): Promise<any> {
    const first = await this.ok(command, params);
    if (!first?.jobid) throw new Error(`${command} returned no jobid: ${JSON.stringify(first)}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const j = await this.ok('queryAsyncJobResult', { jobid: first.jobid });
      if (j.jobstatus === 1) return j.jobresult;
      if (j.jobstatus !== 0) throw new Error(`${command} job failed: ${JSON.stringify(j.jobresult)}`);
      if (Date.now() > deadline) throw new Error(`job ${first.jobid} of ${command} did not finish`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A CloudSigma answer: status, text and its parsed forms. */
export interface WireSigmaAnswer {
  status: number;
  text: string;
  record: Record<string, string>;
  records: Array<Record<string, string>>;
  list: string[];
}

/** CloudSigma 1.0 over HTTP: Basic auth, `key value` text bodies. */
export class WireSigma {
  constructor(
    readonly baseUrl: string,
    readonly email: string,
    readonly password: string,
  ) {}

  /** Sends a request; a record body is encoded as text lines. */
  async req(method: 'GET' | 'POST', path: string, body?: Record<string, string>): Promise<WireSigmaAnswer> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${this.email}:${this.password}`).toString('base64')}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : encodeRecord(body),
    });
    const text = await res.text();
    const parse = <T>(f: () => T, d: T) => {
      try {
        return f();
      } catch {
        return d;
      }
    };
    return {
      status: res.status,
      text,
      record: parse(() => parseRecord(text), {}),
      records: parse(() => parseRecords(text), []),
      list: parseList(text),
    };
  }

  /** Sends a request that must answer with status (200 by default). */
  async expect(
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, string>,
    status = 200,
  ): Promise<WireSigmaAnswer> {
    const a = await this.req(method, path, body);
    if (a.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${a.status}: ${a.text.slice(0, 300)}`);
    return a;
  }
}

/** A CVM answer: status and parsed JSON. */
export interface WireCvmAnswer {
  status: number;
  body: any;
}

/** CVM's client API over HTTP: both token headers on every call, form bodies. */
export class WireCvm {
  constructor(
    readonly baseUrl: string,
    readonly publicToken: string,
    readonly privateToken: string,
  ) {}

  /** Calls a path under /api/client. */
  async call(method: 'GET' | 'POST', path: string): Promise<WireCvmAnswer> {
    const res = await fetch(`${this.baseUrl}/api/client${path}`, {
      method,
      headers: { 'API-Public-Token': this.publicToken, 'API-Private-Token': this.privateToken },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}

/** The REST API (/api/v1) over HTTP: a bearer token, JSON bodies and answers. */
export class WireRest {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** Calls a path under /api/v1 and answers its status and parsed JSON. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<WireCvmAnswer> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}
