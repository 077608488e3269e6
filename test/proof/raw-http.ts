/** Raw HTTP/1.1 connections for proofs about the edge: send headers and some body, trickle or hold the rest, and record when the server answered and closed. */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';

/** Body bytes every connection sends (one shared buffer: a hundred connections must not cost the test a hundred copies). */
const FILL = Buffer.alloc(16 * 1024 * 1024, 0x61);

/** How one connection behaves after its headers. */
export interface RawPlan {
  /** Bytes of body sent right after the headers. */
  first?: number;
  /** Bytes sent every trickleMs afterwards, until the server closes (0: hold the connection silently). */
  trickle?: number;
  trickleMs?: number;
  /** Give up (and close) after this many ms. */
  giveUpMs: number;
}

/** What one connection saw. */
export interface RawResult {
  /** Everything the server sent (latin1); empty when the connection was reset before the answer could be read. */
  text: string;
  /** The status of the first answer, or 0 when none came. */
  status: number;
  /** Milliseconds until the first byte of the answer and until the server closed the connection (undefined: it did not). */
  answeredMs?: number;
  closedMs?: number;
  /** Body bytes this side managed to send. */
  sent: number;
}

/** Opens a connection to port, sends head and then the body as planned; resolves once the server closed it or giveUpMs passed. */
export function rawRequest(port: number, head: string, plan: RawPlan): Promise<RawResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const out: RawResult = { text: '', status: 0, sent: 0 };
    const s: Socket = connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const giveUp = setTimeout(() => finish(false), plan.giveUpMs);
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      clearInterval(timer);
      if (closed) out.closedMs ??= performance.now() - t0;
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(out.text);
      out.status = m ? Number(m[1]) : 0;
      s.destroy();
      resolve(out);
    };
    const send = (n: number) => {
      if (n <= 0 || s.destroyed || !s.writable) return;
      s.write(FILL.subarray(0, Math.min(n, FILL.length)), () => undefined);
      out.sent += Math.min(n, FILL.length);
    };
    s.on('data', (d) => {
      out.text += d.toString('latin1');
      out.answeredMs ??= performance.now() - t0;
    });
    s.on('error', () => undefined);
    s.on('close', () => finish(true));
    s.on('connect', () => {
      s.write(head);
      send(plan.first ?? 0);
      if (plan.trickle) timer = setInterval(() => send(plan.trickle!), plan.trickleMs ?? 200);
    });
  });
}

/** A request head: method, path, the extra header lines and a Content-Length. */
export function head(method: string, path: string, length: number, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ Host: 'nube', 'Content-Length': String(length), ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `${method} ${path} HTTP/1.1\r\n${lines}\r\n`;
}

/** HTTP Basic credentials. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Resident memory of a process in MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Polls the RSS of pid until it is at most limit MiB (true) or withinMs passed (false); poke, when given, is called between polls (light
 * traffic, which lets the garbage collector run and give the heap back as it would on a server in use). */
export async function rssComesBack(
  pid: number,
  limit: number,
  withinMs: number,
  poke?: () => Promise<unknown>,
): Promise<{ ok: boolean; rss: number }> {
  const until = performance.now() + withinMs;
  for (;;) {
    const rss = rssMiB(pid);
    if (rss <= limit) return { ok: true, rss };
    if (performance.now() > until) return { ok: false, rss };
    await new Promise((r) => setTimeout(r, 250));
    await poke?.();
  }
}
