/** A CVM client for tests: both token headers on every call, answers as {status, body}. */
import type { FastifyInstance } from 'fastify';
import type { TestEnv } from '../../support/runtime.js';

/** One answer. */
export interface CvmAnswer {
  status: number;
  body: any;
  contentType: string;
}

/** Calls /api/client/... with a token pair (either may be omitted to test authentication). */
export class CvmClient {
  constructor(
    private readonly app: FastifyInstance,
    readonly pub?: string,
    readonly priv?: string,
  ) {}

  /** GET a path under /api/client. */
  get(path: string): Promise<CvmAnswer> {
    return this.call('GET', path);
  }

  /** POST form parameters to a path under /api/client. */
  post(path: string, form?: Record<string, string>): Promise<CvmAnswer> {
    return this.call('POST', path, form);
  }

  private async call(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<CvmAnswer> {
    const headers: Record<string, string> = {};
    if (this.pub !== undefined) headers['API-Public-Token'] = this.pub;
    if (this.priv !== undefined) headers['API-Private-Token'] = this.priv;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const r = await this.app.inject({
      method,
      url: `/api/client${path}`,
      headers,
      payload: form ? new URLSearchParams(form).toString() : undefined,
    });
    return {
      status: r.statusCode,
      body: r.body ? JSON.parse(r.body) : undefined,
      contentType: String(r.headers['content-type'] ?? ''),
    };
  }
}

/** A fresh token pair for an existing account, as a client. */
export async function cvmFor(env: TestEnv, account: string, opts: { clientApi?: boolean } = {}): Promise<CvmClient> {
  const p = (await env.rt.core.credentials.issueTo('token-pair', account, opts)).shown;
  return new CvmClient(env.app, p.public, p.private);
}

/** The VPS (from vps/list) whose hostname is name. */
export async function vpsNamed(cvm: CvmClient, name: string): Promise<any> {
  const r = await cvm.get('/vps/list');
  const v = r.body.response.vpses.find((x: any) => x.hostname === name);
  if (!v) throw new Error(`no VPS ${name} in ${JSON.stringify(r.body)}`);
  return v;
}
