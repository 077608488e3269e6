/** The CloudSigma client's HTTP side: credentials, one call with Basic auth, and errors that carry the CLI's exit codes. */
import { gunzipSync } from 'node:zlib';
import { resolveCredentials } from './client-credentials.js';
import { CliError, EXIT } from './exit.js';

/** Where the API is and who calls it. */
export interface SigmaCreds {
  url: string;
  user: string;
  password: string;
}

/** The global options of `nube cloudsigma`. */
export interface SigmaOptions {
  url?: string;
  user?: string;
  password?: string;
}

/** Credentials from options, then CLOUDSIGMA_URL/USER/PASSWORD, then ./.nube/credentials.json's cloudsigma block. */
export function sigmaCredentials(o: SigmaOptions): SigmaCreds {
  const c = resolveCredentials(
    'cloudsigma',
    {
      url: { option: o.url, env: 'CLOUDSIGMA_URL', field: 'url' },
      user: { option: o.user, env: 'CLOUDSIGMA_USER', field: 'user' },
      password: { option: o.password, env: 'CLOUDSIGMA_PASSWORD', field: 'password' },
    },
    '--url/--user/--password, CLOUDSIGMA_URL/USER/PASSWORD or ./.nube/credentials.json',
  );
  return { ...c, url: c.url.replace(/\/$/, '') };
}

/** A failed call: refused by the server (4xx, exit 2) or failed (5xx or no answer, exit 3); retryable says a retry may help. */
export class SigmaError extends CliError {
  constructor(
    message: string,
    readonly retryable: boolean,
    exitCode: number,
  ) {
    super(message, exitCode);
  }
}

/** One API call; non-2xx answers become a SigmaError carrying the server's text, gzip answers are inflated. */
export async function sigmaCall(
  c: SigmaCreds,
  method: 'GET' | 'POST',
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Buffer> {
  // Loaded here, not at import: `nube serve` imports this file through the CLI and never calls it.
  const { request } = await import('undici');
  let res;
  try {
    res = await request(`${c.url}${path}`, {
      method,
      body,
      headers: {
        authorization: `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`,
        'content-type': 'text/plain',
        ...headers,
      },
    });
  } catch (err) {
    throw new SigmaError(`${method} ${path}: ${(err as Error).message}`, true, EXIT.failed);
  }
  let buf: Buffer;
  try {
    buf = Buffer.from(await res.body.arrayBuffer());
  } catch (err) {
    throw new SigmaError(`${method} ${path}: the answer was cut short (${(err as Error).message})`, true, EXIT.failed);
  }
  if (res.statusCode >= 300) {
    const s = res.statusCode;
    const retryable = s >= 500 || s === 408 || s === 429;
    const text = buf.toString('utf8').trim();
    throw new SigmaError(`${method} ${path}: HTTP ${s}: ${text}`, retryable, s < 500 ? EXIT.refused : EXIT.failed);
  }
  return res.headers['content-encoding'] === 'gzip' ? gunzipSync(buf) : buf;
}

/** A drive's size in bytes, from its info. */
export async function driveSize(c: SigmaCreds, id: string): Promise<number> {
  const info = (await sigmaCall(c, 'GET', `/drives/${id}/info`)).toString('utf8');
  const size = Number(/^size (\d+)$/m.exec(info)?.[1]);
  if (!Number.isSafeInteger(size)) throw new CliError(`The info of drive ${id} has no size`, EXIT.failed);
  return size;
}
