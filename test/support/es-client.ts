/**
 * A small client that talks to the Danube API the way the `es` CLI does: GET and logout send a query string (booleans
 * as True/False), every other action a JSON body ({} when empty); Token from a token file written without truncation,
 * ES-API-KEY when given; ES-STREAM answers are read to their final status line.
 */
import { constants, openSync, writeSync, closeSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { request } from 'undici';

/** What a call answered: the final status (after an ES-STREAM wait), headers, the parsed body and the raw text. */
export interface EsAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
  /** True when the answer was streamed (the server waited for the task). */
  streamed: boolean;
}

/** Options of a client. */
export interface EsOptions {
  apiKey?: string;
  /** Where the token is kept (es's TOKEN_STORE). */
  tokenFile?: string;
  /** Send ES-STREAM: es (as es does); false to get the 201 PENDING answer at once. */
  stream?: boolean;
}

/** The es client. */
export class EsClient {
  constructor(
    readonly url: string,
    private readonly opts: EsOptions = {},
  ) {}

  /** Signs in and stores the token in the token file (opened without truncation, like es). */
  async login(username: string, password: string): Promise<EsAnswer> {
    const a = await this.call('POST', '/accounts/login', { username, password }, { noToken: true });
    if (a.status === 200 && a.body?.token && this.opts.tokenFile) {
      const fd = openSync(this.opts.tokenFile, constants.O_WRONLY | constants.O_CREAT, 0o600);
      writeSync(fd, String(a.body.token), 0);
      closeSync(fd);
    }
    return a;
  }

  /** Signs out and removes the token file when the server answers 200. */
  async logout(): Promise<EsAnswer> {
    const a = await this.call('GET', '/accounts/logout', {});
    if (a.status === 200 && this.opts.tokenFile && existsSync(this.opts.tokenFile)) rmSync(this.opts.tokenFile);
    return a;
  }

  /** es get. */
  get(path: string, params: Record<string, unknown> = {}): Promise<EsAnswer> {
    return this.call('GET', path, params);
  }

  /** es create. */
  create(path: string, params: Record<string, unknown> = {}): Promise<EsAnswer> {
    return this.call('POST', path, params);
  }

  /** es set. */
  set(path: string, params: Record<string, unknown> = {}): Promise<EsAnswer> {
    return this.call('PUT', path, params);
  }

  /** es delete. */
  delete(path: string, params: Record<string, unknown> = {}): Promise<EsAnswer> {
    return this.call('DELETE', path, params);
  }

  /** One request by es's rules. */
  async call(
    method: string,
    path: string,
    params: Record<string, unknown>,
    o: { noToken?: boolean; headers?: Record<string, string> } = {},
  ): Promise<EsAnswer> {
    let url = this.url + (path.endsWith('/') ? path : `${path}/`);
    const headers: Record<string, string> = {
      'user-agent': 'es/1.3.3',
      accept: 'application/json; indent=4',
      'content-type': 'application/json; indent=4',
      ...(this.opts.stream === false ? {} : { 'es-stream': 'es' }),
      ...(o.headers ?? {}),
    };
    const token = this.token();
    if (token && !o.noToken) headers.authorization = `Token ${token}`;
    if (this.opts.apiKey) headers['es-api-key'] = this.opts.apiKey;
    let body: string | undefined;
    if (method === 'GET') {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(params))
        if (v !== null && v !== undefined) qs.set(k, v === true ? 'True' : v === false ? 'False' : String(v));
      if ([...qs].length > 0) url += `?${qs}`;
    } else body = JSON.stringify(params);
    const res = await request(url, { method: method as 'GET', headers, body });
    const text = await res.body.text();
    const hs: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) hs[k] = Array.isArray(v) ? v.join(', ') : String(v);
    if (hs.es_stream) {
      const rest = text.replace(/^\s+/, '');
      const nl = rest.indexOf('\n');
      const code = nl > 0 && /^\d{3}$/.test(rest.slice(0, nl)) ? Number(rest.slice(0, nl)) : res.statusCode;
      const json = nl > 0 && /^\d{3}$/.test(rest.slice(0, nl)) ? rest.slice(nl + 1) : rest;
      return { status: code, headers: hs, body: parse(json), text, streamed: true };
    }
    return { status: res.statusCode, headers: hs, body: parse(text), text, streamed: false };
  }

  /** The first 40 characters of the token file (es reads its first line), if any. */
  private token(): string | undefined {
    if (!this.opts.tokenFile || !existsSync(this.opts.tokenFile)) return undefined;
    return readFileSync(this.opts.tokenFile, 'utf8').split('\n')[0]!.slice(0, 40) || undefined;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
