/** A CloudStack client for tests: signs like cs does and talks through app.inject (or a real URL). */
import type { FastifyInstance } from 'fastify';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';

/** A parsed answer: HTTP status and the object inside `<command>response`. */
export interface CsAnswer {
  status: number;
  body: any;
  raw: string;
  contentType: string;
}

/** Signs and sends CloudStack commands. */
export class CsClient {
  constructor(
    readonly app: FastifyInstance,
    readonly key: string,
    readonly secret: string,
  ) {}

  /** Sends a command (GET by default) and returns the inner object. */
  async call(
    command: string,
    params: Record<string, string | number | boolean | undefined> = {},
    opts: { method?: 'GET' | 'POST'; json?: boolean; path?: string } = {},
  ): Promise<CsAnswer> {
    const all: Record<string, string> = { command, apiKey: this.key };
    if (opts.json !== false) all.response = 'json';
    for (const [k, v] of Object.entries(params)) if (v !== undefined) all[k] = String(v);
    const pairs = Object.entries(all) as Array<[string, string]>;
    const signature = computeSignature(
      this.secret,
      canonicalString(pairs, { bracketsSafe: false, caseSensitiveSort: false }),
    );
    const qs = new URLSearchParams({ ...all, signature }).toString();
    const path = opts.path ?? '/compute';
    const res =
      opts.method === 'POST'
        ? await this.app.inject({
            method: 'POST',
            url: path,
            payload: qs,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        : await this.app.inject({ method: 'GET', url: `${path}?${qs}` });
    const contentType = String(res.headers['content-type'] ?? '');
    let body: any = undefined;
    if (contentType.includes('json')) {
      const parsed = JSON.parse(res.body) as Record<string, unknown>;
      body = Object.values(parsed)[0];
    }
    return { status: res.statusCode, body, raw: res.body, contentType };
  }

  /** Sends a command that must succeed and returns its inner object. */
  async ok(command: string, params: Record<string, string | number | boolean | undefined> = {}): Promise<any> {
    const r = await this.call(command, params);
    if (r.status !== 200) throw new Error(`${command} failed: HTTP ${r.status} ${r.raw}`);
    return r.body;
  }

  /** Sends an async command and polls queryAsyncJobResult until it ends; returns the final job object. */
  async job(
    command: string,
    params: Record<string, string | number | boolean | undefined> = {},
    timeoutMs = 10000,
  ): Promise<any> {
    const first = await this.ok(command, params);
    if (!first.jobid) throw new Error(`${command} returned no jobid: ${JSON.stringify(first)}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const j = await this.ok('queryAsyncJobResult', { jobid: first.jobid });
      if (j.jobstatus !== 0) return j;
      if (Date.now() > deadline) throw new Error(`job ${first.jobid} of ${command} did not finish`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Runs an async command that must succeed and returns its jobresult. */
  async done(command: string, params: Record<string, string | number | boolean | undefined> = {}): Promise<any> {
    const j = await this.job(command, params);
    if (j.jobstatus !== 1) throw new Error(`${command} job failed: ${JSON.stringify(j.jobresult)}`);
    return j.jobresult;
  }
}
