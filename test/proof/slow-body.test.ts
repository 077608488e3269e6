/** Slow-body and big-body proof against a real `nube serve`: callers refused before their bodies, idle and request timeouts, body caps, the connection limit, and memory given back. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startServe, type ServeChild } from './child.js';
import { freshDatabase, THROTTLE_OFF } from '../support/runtime.js';
import { HttpCs } from './http-cs.js';
import { basicAuth, head, rawRequest, rssComesBack, rssMiB, type RawResult } from './raw-http.js';

const MiB = 1024 * 1024;
const IDLE_MS = 1500;
const REQUEST_MS = 4000;
const MAX_CONNECTIONS = 160;
/** Memory the server may keep after an attack is over, above what it used before (MiB). */
const RSS_SLACK = 64;

let child: ServeChild;
let drop: () => Promise<void>;
let creds: {
  cloudsigma: { user: string; password: string };
  cvm: { public: string; private: string };
  cloudstack: { key: string; secret: string };
};
let sigma: string;
let drive: string;
let cs: HttpCs;

before(async () => {
  const db = await freshDatabase();
  drop = db.drop;
  child = await startServe({
    ...db.env,
    ...THROTTLE_OFF,
    NUBE_IDLE_TIMEOUT_MS: String(IDLE_MS),
    NUBE_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    NUBE_HEADERS_TIMEOUT_MS: '3000',
    NUBE_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  });
  creds = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
  sigma = basicAuth(creds.cloudsigma.user, creds.cloudsigma.password);
  cs = new HttpCs(child.baseUrl, creds.cloudstack.key, creds.cloudstack.secret, 2);
  const made = await sigmaCall('POST', '/drives/create', 'name target\nsize 64M\n');
  assert.equal(made.status, 200, made.text);
  drive = /^drive (\S+)$/m.exec(made.text)![1]!;
});
after(async () => {
  await cs?.close();
  await child?.stop();
  await drop?.();
});

/** An authenticated CloudSigma call over HTTP. */
async function sigmaCall(
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const r = await request(`${child.baseUrl}${path}`, {
    method,
    body,
    headers: { authorization: sigma, 'content-type': 'application/json' },
  });
  return { status: r.statusCode, text: await r.body.text(), ms: performance.now() - t0 };
}

/** Light traffic while memory is watched, so the garbage collector runs as it would on a server in use. */
const ping = () => request(`${child.baseUrl}/healthz`).then((r) => r.body.text());

/** The server's log lines that are errors or stack traces. */
function logProblems(): string[] {
  return child
    .output()
    .split('\n')
    .filter((l) => /"level":(5|6)\d/.test(l) || /\\n\s+at |\n\s+at /.test(l));
}

test('unauthenticated connections holding 16 MiB bodies are answered before their bodies and closed; memory comes back; a real user is served meanwhile', async (t) => {
  // Warm up, password checks included: each scrypt check takes 16 MiB in a worker thread, memory the process keeps for the next ones.
  for (let i = 0; i < 5; i++) assert.equal((await sigmaCall('GET', '/drives/list')).status, 200);
  const wrong = basicAuth(creds.cloudsigma.user, 'guess');
  await Promise.all(
    Array.from({ length: 12 }, () =>
      request(`${child.baseUrl}/drives/list`, { headers: { authorization: wrong } }).then((r) => r.body.text()),
    ),
  );
  const rss0 = rssMiB(child.proc.pid!);
  const targets: Array<{ name: string; head: string; want: number; body: RegExp }> = [
    {
      name: 'cloudsigma text',
      head: head('POST', '/drives/create', 16 * MiB, { 'Content-Type': 'application/json' }),
      want: 401,
      body: /errors: HTTP Basic Authentication/,
    },
    {
      name: 'cloudsigma drive write',
      head: head('POST', `/drives/${drive}/write/0`, 16 * MiB, {
        Authorization: basicAuth(creds.cloudsigma.user, 'guess'),
      }),
      want: 401,
      body: /errors: HTTP Basic Authentication/,
    },
    {
      name: 'cloudsigma unknown command',
      head: head('POST', '/servers/no/such/thing', 16 * MiB),
      want: 404,
      body: /errors: No such command/,
    },
    {
      name: 'cvm',
      head: head('POST', '/api/client/vps/1/reinstall', 16 * MiB, {
        'Content-Type': 'application/x-www-form-urlencoded',
      }),
      want: 401,
      body: /"errors":\["No valid API token pair/,
    },
    {
      name: 'admin',
      head: head('POST', '/admin/sim/faults', 16 * MiB, {
        'Content-Type': 'application/json',
        Authorization: basicAuth('admin@nube.local', 'guess'),
      }),
      want: 401,
      body: /"error":"Admin credentials required"/,
    },
  ];
  const attacks: Array<Promise<RawResult & (typeof targets)[number]>> = [];
  for (let i = 0; i < 100; i++) {
    const t = targets[i % targets.length]!;
    attacks.push(
      rawRequest(child.port, t.head, { first: 2 * MiB, trickle: 1024, trickleMs: 200, giveUpMs: 15_000 }).then((r) => ({
        ...r,
        ...t,
      })),
    );
  }
  const served: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await sigmaCall('GET', '/drives/list');
    assert.equal(r.status, 200);
    served.push(r.ms);
  }
  assert.equal((await cs.call('listZones')).status, 200);
  const peak = rssMiB(child.proc.pid!);
  const results = await Promise.all(attacks);
  // Each is closed long before its body could have been read; most read their dialect's refusal first (a client still pushing its body
  // after the server stopped draining it may see the reset before the answer).
  for (const r of results) {
    assert.ok(r.closedMs !== undefined && r.closedMs < IDLE_MS + 5000, `${r.name}: closed after ${r.closedMs} ms`);
    assert.ok(r.sent < 16 * MiB, `${r.name}: the body was never all sent (${r.sent} bytes)`);
    if (r.status === 0) continue;
    assert.equal(r.status, r.want, `${r.name}: ${r.text.slice(0, 200)}`);
    assert.match(r.text, r.body, r.name);
    assert.ok(r.answeredMs! < 5000, `${r.name}: answered after ${r.answeredMs} ms`);
  }
  for (const t of targets)
    assert.ok(
      results.filter((r) => r.name === t.name && r.status === t.want).length >= 10,
      `${t.name}: most read the refusal`,
    );
  assert.ok(Math.max(...served) < 5000, `the authenticated user waited at most ${Math.round(Math.max(...served))} ms`);
  const back = await rssComesBack(child.proc.pid!, rss0 + RSS_SLACK, 20_000, ping);
  t.diagnostic(`RSS ${rss0.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB during, ${back.rss.toFixed(0)} MiB after`);
  assert.ok(
    back.ok,
    `RSS ${rss0.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB during, ${back.rss.toFixed(0)} MiB after`,
  );
});

test('bodies that stall are cut after the idle timeout, bodies that trickle after the request timeout, and their memory is given back', async (t) => {
  const auth = { Authorization: sigma, 'Content-Type': 'application/json' };
  /** Twenty drive writes and ten text bodies that stop halfway; each must be cut off after the idle timeout. */
  const stallRound = async () => {
    const stalled = Array.from({ length: 20 }, (_, i) =>
      rawRequest(
        child.port,
        head('POST', `/drives/${drive}/write/${(i % 4) * 16}M`, 16 * MiB - 1, {
          ...auth,
          'Content-Type': 'application/octet-stream',
        }),
        { first: 8 * MiB, giveUpMs: 15_000 },
      ),
    );
    const text = Array.from({ length: 10 }, () =>
      rawRequest(child.port, head('POST', '/drives/create', MiB, auth), { first: 512 * 1024, giveUpMs: 15_000 }),
    );
    for (const r of await Promise.all([...stalled, ...text])) {
      assert.ok(
        r.closedMs !== undefined && r.closedMs >= IDLE_MS * 0.8 && r.closedMs < IDLE_MS + 3000,
        `a stalled body closed after ${r.closedMs} ms`,
      );
    }
  };
  // A first round warms up what the process keeps for the next ones (the volume storage's 64 MiB of aligned buffers, the allocator's
  // arenas); memory held for a stalled body would show as growth over the second round.
  await stallRound();
  const rss0 = rssMiB(child.proc.pid!);
  const trickling = rawRequest(child.port, head('POST', '/drives/create', 64 * 1024, auth), {
    first: 10,
    trickle: 10,
    trickleMs: 300,
    giveUpMs: 15_000,
  });
  const csTrickling = rawRequest(
    child.port,
    head('POST', '/compute', MiB, { 'Content-Type': 'application/x-www-form-urlencoded' }),
    { first: 10, trickle: 10, trickleMs: 300, giveUpMs: 15_000 },
  );
  await stallRound();
  for (const r of [await trickling, await csTrickling]) {
    assert.ok(
      r.closedMs !== undefined && r.closedMs >= REQUEST_MS * 0.8 && r.closedMs < REQUEST_MS + 3000,
      `a trickling body closed after ${r.closedMs} ms`,
    );
    assert.ok(r.status === 0 || r.status === 408, r.text.slice(0, 100));
  }
  assert.equal((await sigmaCall('GET', `/drives/${drive}/info`)).status, 200, 'the drive is still there');
  const back = await rssComesBack(child.proc.pid!, rss0 + RSS_SLACK, 20_000, ping);
  t.diagnostic(`RSS ${rss0.toFixed(0)} MiB after a first round, ${back.rss.toFixed(0)} MiB after the second`);
  assert.ok(back.ok, `RSS ${rss0.toFixed(0)} MiB after a first round, ${back.rss.toFixed(0)} MiB after the second`);
});

test("a body over its route's cap gets the dialect's own error before it is sent", async () => {
  const sigmaHeaders = { Authorization: sigma, 'Content-Type': 'application/json' };
  const cvmHeaders = {
    'API-Public-Token': creds.cvm.public,
    'API-Private-Token': creds.cvm.private,
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  const cases: Array<[string, string, number, RegExp]> = [
    [
      'cloudsigma text',
      head('POST', '/drives/create', MiB + 1, sigmaHeaders),
      400,
      /errors: The request body is too large/,
    ],
    [
      'cloudsigma write',
      head('POST', `/drives/${drive}/write/0`, 16 * MiB + 1, sigmaHeaders),
      400,
      /errors: The request body is too large/,
    ],
    [
      'cloudstack',
      head('POST', '/compute?response=json', MiB + 1, { 'Content-Type': 'application/x-www-form-urlencoded' }),
      431,
      /"errortext":"Request body is too large/,
    ],
    ['cvm', head('POST', '/api/client/vps/1/reinstall', 64 * 1024 + 1, cvmHeaders), 413, /"errors":\[/],
    [
      'admin',
      head('POST', '/admin/sim/faults', MiB + 1, { Authorization: sigma, 'Content-Type': 'application/json' }),
      413,
      /"error":/,
    ],
  ];
  for (const [name, h, status, body] of cases) {
    const r = await rawRequest(child.port, h, { first: 1024, giveUpMs: 10_000 });
    assert.equal(r.status, status, `${name}: ${r.text.slice(0, 300)}`);
    assert.match(r.text, body, name);
    assert.ok(r.answeredMs! < 2000, `${name}: answered after ${r.answeredMs} ms`);
  }
});

test('the connection limit holds: connections past NUBE_MAX_CONNECTIONS are closed at once, and service resumes when the holders leave', async () => {
  await cs.pool.close();
  cs = new HttpCs(child.baseUrl, creds.cloudstack.key, creds.cloudstack.secret, 1);
  const holders = Array.from({ length: MAX_CONNECTIONS }, () =>
    rawRequest(child.port, 'GET /drives/list HTTP/1.1\r\nHost: nube\r\n', { giveUpMs: 2500 }),
  );
  await new Promise((r) => setTimeout(r, 500));
  const extra = await Promise.all(
    Array.from({ length: 10 }, () =>
      rawRequest(child.port, `GET /healthz HTTP/1.1\r\nHost: nube\r\n\r\n`, { giveUpMs: 1500 }),
    ),
  );
  for (const r of extra) {
    assert.equal(r.status, 0, `no answer past the limit: ${r.text.slice(0, 100)}`);
    assert.ok(r.closedMs !== undefined && r.closedMs < 1000, `closed after ${r.closedMs} ms`);
  }
  const held = await Promise.all(holders);
  assert.ok(
    held.filter((r) => r.closedMs === undefined).length >= MAX_CONNECTIONS - 5,
    `the holders were kept open until they left: ${held.map((r) => `${r.status}/${r.closedMs}`).join(' ')}`,
  );
  assert.equal((await sigmaCall('GET', '/drives/list')).status, 200, 'served again once they left');
  assert.deepEqual(logProblems(), [], 'nothing was logged as an error');
  assert.match(child.output(), /connection limit reached/, 'the drops were logged as a warning');
});
