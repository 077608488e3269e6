/** A signed CloudStack client over real HTTP (undici pool), for proof tests and benchmarks against a `nube serve` child. */
import { Pool } from 'undici';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';

/** Parameters of one command. */
export type CsParams = Record<string, string | number | boolean | undefined>;

/** One answer: status and the object inside `<command>response`. */
export interface HttpAnswer {
  status: number;
  body: any;
  raw: string;
}

/** Builds the signed query string of a command, as `cs` would send it. */
export function signedQuery(key: string, secret: string, command: string, params: CsParams = {}): string {
  const all: Record<string, string> = { command, apiKey: key, response: 'json' };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) all[k] = String(v);
  const signature = computeSignature(
    secret,
    canonicalString(Object.entries(all), { bracketsSafe: false, caseSensitiveSort: false }),
  );
  return new URLSearchParams({ ...all, signature }).toString();
}

/** Signs and sends commands to `<baseUrl>/compute` with up to `connections` sockets. */
export class HttpCs {
  readonly pool: Pool;

  constructor(
    readonly baseUrl: string,
    readonly key: string,
    readonly secret: string,
    connections = 32,
  ) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  /** Sends one command by GET; network errors reject. */
  async call(command: string, params: CsParams = {}): Promise<HttpAnswer> {
    const res = await this.pool.request({
      method: 'GET',
      path: `/compute?${signedQuery(this.key, this.secret, command, params)}`,
    });
    const raw = await res.body.text();
    let body: any;
    try {
      body = Object.values(JSON.parse(raw) as Record<string, unknown>)[0];
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body, raw };
  }

  /** Sends a command that must answer 200 and returns its inner object. */
  async ok(command: string, params: CsParams = {}): Promise<any> {
    const r = await this.call(command, params);
    if (r.status !== 200) throw new Error(`${command} failed: HTTP ${r.status} ${r.raw}`);
    return r.body;
  }

  /** Closes the pool (destroying sockets still open). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
