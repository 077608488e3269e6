/**
 * The one way Nube calls out over HTTP (task callbacks now, webhooks later): http/https only, the host resolved and
 * every address checked (no loopback, private, link-local, metadata ... unless allowPrivate), the connection made to
 * exactly the address checked, no redirect followed, a deadline, and at most a small part of the answer read.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { STATUS_CODES } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import { addressClass } from './outbound-address.js';

/** One outbound request. */
export interface OutboundRequest {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Lets the request reach loopback, private, link-local and metadata addresses (tests, labs). */
  allowPrivate?: boolean;
  /** Deadline of the whole request, resolution included (default 10 s). */
  timeoutMs?: number;
  /** Bytes of the answer read at most before the connection is dropped (default 64 KiB). */
  maxResponseBytes?: number;
  /** Keep what was read of the answer's body (as UTF-8 text) in the response. */
  readBody?: boolean;
}

/** What the far end answered. */
export interface OutboundResponse {
  status: number;
  statusText: string;
  /** The body read (at most maxResponseBytes), when the request set readBody. */
  body?: string;
}

/** A request that was refused or could not be completed; the message says why in one line. */
export class OutboundError extends Error {}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE = 64 * 1024;

/** Sends the request and answers the status line; throws OutboundError when refused, unreachable or too slow. */
export async function outboundRequest(req: OutboundRequest): Promise<OutboundResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const url = parseUrl(req.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = await checkedAddresses(host, req.allowPrivate === true, timeoutMs);
  // The connection may use only the addresses just checked: the host is never resolved a second time.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  // undici is loaded on the first outbound request, not at start: most servers never send one.
  const { Agent, request } = await import('undici');
  const left = Math.max(1, deadline - Date.now());
  const agent = new Agent({
    connect: { lookup: pinned, timeout: left },
    headersTimeout: left,
    bodyTimeout: left,
  });
  try {
    const res = await request(url, {
      dispatcher: agent,
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(left),
    });
    const body = await readCapped(res.body, req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE);
    return {
      status: res.statusCode,
      statusText: res.statusText || STATUS_CODES[res.statusCode] || '',
      ...(req.readBody ? { body: body.toString('utf8') } : {}),
    };
  } catch (err) {
    throw failure(err, timeoutMs);
  } finally {
    agent.destroy().catch(() => undefined);
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OutboundError(`Invalid URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OutboundError(`Only http and https URLs may be called, not ${url.protocol.replace(/:$/, '')}`);
  return url;
}

/** Resolves the host and checks every address it has (one refused address refuses the host): the connection's candidates. */
async function checkedAddresses(
  host: string,
  allowPrivate: boolean,
  timeoutMs: number,
): Promise<{ address: string; family: number }[]> {
  const family = isIP(host);
  let addresses: { address: string; family: number }[];
  if (family !== 0) addresses = [{ address: host, family }];
  else {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OutboundError(`Resolving ${host} timed out`)), timeoutMs);
    });
    try {
      addresses = await Promise.race([dnsLookup(host, { all: true, verbatim: true }), timeout]);
    } catch (err) {
      if (err instanceof OutboundError) throw err;
      throw new OutboundError(`Cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    if (addresses.length === 0) throw new OutboundError(`Cannot resolve ${host}: no address`);
  }
  if (!allowPrivate) {
    for (const a of addresses) {
      const cls = addressClass(a.address);
      if (cls === null) continue;
      const what = family !== 0 ? `${host} is` : `${host} resolves to ${a.address}, which is`;
      throw new OutboundError(`Refused: ${what} a ${cls} address`);
    }
  }
  return addresses;
}

/** Reads at most max bytes of the answer (returned), then drops the rest. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    read += chunk.length;
    if (read >= max) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, max);
}

function failure(err: unknown, timeoutMs: number): OutboundError {
  if (err instanceof OutboundError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || /TIMEOUT/.test(e.code ?? ''))
    return new OutboundError(`No answer within ${timeoutMs} ms`);
  return new OutboundError(`Request failed: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}`.trim());
}
