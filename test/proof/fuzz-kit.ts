/** Shared pieces of the malformed-input proofs: a seeded generator of hostile values, a real `nube serve` to fuzz over HTTP, and the run that
 * judges every answer, then checks the server's log (no error, no stack trace) and its memory (RSS back within 20% of where it started). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Pool } from 'undici';
import { startServe, type ServeChild } from './child.js';
import { HttpCs } from './http-cs.js';
import { freshDatabase, THROTTLE_OFF } from '../support/runtime.js';
import { mulberry32 } from './prng.js';
import { rssComesBack, rssMiB } from './raw-http.js';
import { logProblem } from '../support/log-capture.js';

/** The seed of every proof's generator (reproduce a failure with NUBE_PROOF_SEED=<seed>). */
export const SEED = Number(process.env.NUBE_PROOF_SEED ?? 4004);
/** Stack-trace shapes that must never reach a client. */
export const STACK = [/\n\s*at \S/, /\bat [^\s()]+ \([^)]*:\d+:\d+\)/, /Error:/];

/** Random choices from one seeded stream, with the hostile values every dialect gets. */
export class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** len code points from printable, accented, RTL, CJK, emoji, combining and control ranges. */
  unicode(len: number): string {
    const ranges: Array<[number, number]> = [
      [0x20, 0x7e],
      [0xa0, 0x24f],
      [0x400, 0x4ff],
      [0x590, 0x6ff],
      [0x900, 0x97f],
      [0x4e00, 0x9fff],
      [0x1f300, 0x1f64f],
      [0x300, 0x36f],
      [0x1, 0x1f],
    ];
    let s = '';
    for (let i = 0; i < len; i++) {
      const [a, b] = this.pick(ranges);
      s += String.fromCodePoint(a + this.int(b - a + 1));
    }
    return s;
  }

  /** A hostile value: huge, empty, NUL, injection, traversal, broken escapes, lone surrogates, odd numbers. */
  garbage(): string {
    switch (this.int(16)) {
      case 0:
        return 'x'.repeat(100 * 1024);
      case 1:
        return this.unicode(1 + this.int(40));
      case 2:
        return `a\u0000b${this.unicode(3)}`;
      case 3:
        return '';
      case 4:
        return ' ';
      case 5:
        return "'; drop table vms; --";
      case 6:
        return '<x>&amp;</x>]]>';
      case 7:
        return '../../etc/passwd';
      case 8:
        return '\r\n\t';
      case 9:
        return String(this.pick([-1, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308]));
      case 10:
        return '9'.repeat(40);
      case 11:
        return '%E0%A4%A';
      case 12:
        return '\uD800\uDFFF\uFFFF';
      case 13:
        return `${' '.repeat(2000 + this.int(20000))}x`;
      case 14:
        return '\u0000';
      default:
        return randomUUID().slice(0, this.int(36));
    }
  }

  /** A path segment: a real id, a plausible one, or garbage (percent-encoded so it stays one segment). */
  segment(real: readonly string[]): string {
    if (real.length && this.chance(0.4)) return this.pick(real);
    if (this.chance(0.2)) return randomUUID();
    return this.pick([
      encodeURIComponent(this.garbage()).slice(0, 3000),
      '%00',
      `${randomUUID()}%00`,
      '..',
      '%2e%2e',
      '%E0%A4%A',
      '-1',
      '0',
      '99999999999999999999',
      randomUUID().toUpperCase(),
    ]);
  }

  /** A query string of a few random pairs (sometimes with broken escapes). */
  query(): string {
    if (this.chance(0.6)) return '';
    const pairs = Array.from(
      { length: 1 + this.int(3) },
      () => `${encodeURIComponent(this.unicode(1 + this.int(6)))}=${encodeURIComponent(this.garbage().slice(0, 200))}`,
    );
    if (this.chance(0.2)) pairs.push(this.pick(['%zz=1', 'x=%', '%00=%00', '=', '&&']));
    return `?${pairs.join('&')}`;
  }
}

/** One request of a proof. */
export interface FuzzRequest {
  method: string;
  url: string;
  payload?: string | Buffer;
  headers: Record<string, string>;
}

/** One answer: status (0 when the connection broke first), content type and body. */
export interface FuzzAnswer {
  status: number;
  contentType: string;
  body: string;
  error?: string;
}

/** What every file's credentials.json holds (the admin account's, for every dialect). */
export interface Credentials {
  email: string;
  password: string;
  cloudstack: { key: string; secret: string };
  cloudsigma: { user: string; password: string };
  cvm: { public: string; private: string };
  danube: { username: string; password: string; api_key: string };
  rest: { url: string; token: string };
}

/** A real `nube serve` on a fresh database (SQLite or PostgreSQL, as NUBE_TEST_DB says), with a client pool. */
export class FuzzServer {
  private constructor(
    readonly child: ServeChild,
    readonly creds: Credentials,
    private readonly pool: Pool,
    private readonly drop: () => Promise<void>,
    /** The store settings the server runs with (for CLI commands against the same store). */
    readonly env: Record<string, string>,
  ) {}

  /** Starts the server (warn-level logs, which every error and stack trace would reach). */
  static async start(env: Record<string, string> = {}): Promise<FuzzServer> {
    const db = await freshDatabase();
    const child = await startServe({ ...db.env, ...THROTTLE_OFF, NUBE_LOG_LEVEL: 'warn', ...env });
    const creds = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8')) as Credentials;
    const pool = new Pool(child.baseUrl, {
      connections: 4,
      pipelining: 1,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    return new FuzzServer(child, creds, pool, db.drop, db.env);
  }

  /** Sends one request; a broken connection is an answer with status 0. */
  async send(r: FuzzRequest): Promise<FuzzAnswer> {
    try {
      const res = await this.pool.request({
        method: r.method as 'GET',
        path: r.url,
        headers: r.headers,
        body: r.payload,
      });
      return {
        status: res.statusCode,
        contentType: String(res.headers['content-type'] ?? ''),
        body: await res.body.text(),
      };
    } catch (err) {
      return {
        status: 0,
        contentType: '',
        body: '',
        error: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
      };
    }
  }

  /** Deploys one VM per name through the admin's CloudStack key and returns their ids (the fuzzers' real targets). */
  async deployVms(names: string[]): Promise<string[]> {
    const cs = new HttpCs(this.child.baseUrl, this.creds.cloudstack.key, this.creds.cloudstack.secret, 1);
    try {
      const zone = (await cs.ok('listZones')).zone[0];
      const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
      const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
      const ids: string[] = [];
      for (const name of names)
        ids.push(
          (
            await cs.ok('deployVirtualMachine', {
              zoneid: zone.id,
              serviceofferingid: offering.id,
              templateid: template.id,
              name,
            })
          ).id,
        );
      return ids;
    } finally {
      await cs.close();
    }
  }

  /** The server's resident memory in MiB. */
  rss(): number {
    return rssMiB(this.child.proc.pid!);
  }

  /** Log lines that are errors or carry a stack trace. */
  logProblems(): string[] {
    return this.child
      .output()
      .split('\n')
      .filter((l) => logProblem(l) !== undefined);
  }

  /** Stops the server and drops its database. */
  async close(): Promise<void> {
    await this.pool.destroy();
    await this.child.stop();
    await this.drop();
  }
}

/** A request to send and the judge of its answer (null when acceptable, else why not). */
export interface FuzzCase extends FuzzRequest {
  desc: string;
  judge(a: FuzzAnswer): string | null;
}

/** Why an answer is never acceptable from any dialect: a 5xx the dialect does not mean, a broken connection, or a leaked stack trace. */
export function universal(a: FuzzAnswer, allowed5xx: (a: FuzzAnswer) => boolean = () => false): string | null {
  if (a.status === 0) return `connection broke (${a.error})`;
  if (a.status >= 500 && !allowed5xx(a)) return `status ${a.status}: ${a.body.slice(0, 200)}`;
  for (const re of STACK) if (re.test(a.body)) return `body leaks ${re}: ${a.body.slice(0, 200)}`;
  return null;
}

/** The HTTP server's own answer to a request line or headers it will not parse (too long, broken), before any route or dialect saw the
 * request: Node's bare status line, or Fastify's client-error JSON. */
export function refusedByNode(a: FuzzAnswer): boolean {
  if (a.status !== 400 && a.status !== 431) return false;
  return a.body === '' || /^\{"error":"[^"]+","message":"[^"]+","statusCode":4\d\d\}$/.test(a.body);
}

/** Sends warm-up cases, notes the server's RSS, sends the cases and judges every answer, then asserts: no bad answer, nothing logged as an
 * error or with a stack trace, and the RSS back within 20% of its warmed-up value. NUBE_PROOF_SHOW=<status> prints every answer with it. */
export async function runFuzz(
  t: TestContext,
  server: FuzzServer,
  warmup: FuzzCase[],
  cases: FuzzCase[],
): Promise<void> {
  for (const c of warmup) await server.send(c);
  const rss0 = server.rss();
  const problems: Array<{ desc: string; why: string }> = [];
  const statuses = new Map<number, number>();
  const t0 = performance.now();
  let peak = rss0;
  for (const [n, c] of cases.entries()) {
    const a = await server.send(c);
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    if (process.env.NUBE_PROOF_SHOW === String(a.status))
      t.diagnostic(`${c.desc} → ${a.status} ${a.body.slice(0, 200)}`);
    const why = c.judge(a);
    if (why) problems.push({ desc: c.desc, why });
    if (n % 200 === 0) peak = Math.max(peak, server.rss());
  }
  t.diagnostic(
    `${cases.length} requests in ${Math.round(performance.now() - t0)} ms; statuses ${[...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, k]) => `${s}×${k}`)
      .join(' ')}`,
  );
  const kinds = new Map<string, { n: number; example: string }>();
  for (const p of problems) {
    const kind = `${p.desc.replace(/^#\d+ /, '')} → ${p.why.replace(/:.*$/s, '')}`;
    const k = kinds.get(kind) ?? { n: 0, example: `${p.desc}: ${p.why}`.slice(0, 400) };
    k.n++;
    kinds.set(kind, k);
  }
  assert.deepEqual(
    [...kinds].map(([kind, k]) => `${k.n}× ${kind} — e.g. ${k.example}`),
    [],
    `${problems.length} bad answers (reproduce with NUBE_PROOF_SEED=${SEED})`,
  );
  assert.deepEqual(
    server.logProblems().map((l) => l.slice(0, 600)),
    [],
    'the server logged no error and no stack trace',
  );
  const back = await rssComesBack(server.child.proc.pid!, rss0 * 1.2, 30_000, () =>
    server.send({ method: 'GET', url: '/healthz', headers: {} }),
  );
  t.diagnostic(
    `RSS ${rss0.toFixed(0)} MiB after warm-up, ${peak.toFixed(0)} MiB at most during the run, ${back.rss.toFixed(0)} MiB after`,
  );
  assert.ok(back.ok, `RSS ${back.rss.toFixed(0)} MiB is not back within 20% of ${rss0.toFixed(0)} MiB`);
}
