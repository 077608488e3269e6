/** The CloudSigma edge: linear parsing of 1 MiB bodies, callers checked before the body, per-route body caps, the idle timeout, NUL bytes. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { startTestEnv } from '../../support/runtime.js';
import { sigmaUser, type SigmaClient, type SigmaPair } from './sigma-client.js';

const MiB = 1024 * 1024;
const IDLE_MS = 800;
const t = {} as SigmaPair;
let port: number;
before(async () => {
  t.env = await startTestEnv({ NUBE_IDLE_TIMEOUT_MS: String(IDLE_MS), NUBE_SIM_DELAY_MS: '1500' });
  t.carol = await sigmaUser(t.env, 'carol');
  t.dave = await sigmaUser(t.env, 'dave');
  await t.env.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.env.app.server.address() as AddressInfo).port;
});
after(async () => {
  await t.env?.close();
});

const basic = (c: SigmaClient, password = c.password) =>
  `Basic ${Buffer.from(`${c.user}:${password}`).toString('base64')}`;

/** What a raw connection received, and after how many ms the server answered and closed it (undefined: not within waitMs). */
interface Exchange {
  text: string;
  answeredMs?: number;
  closedMs?: number;
}

/** Sends head and body over a new connection (the rest of the body never comes) and waits up to waitMs for the answer and the close. */
function exchange(head: string, body: Buffer, waitMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const out: Exchange = { text: '' };
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, waitMs);
    s.on('data', (d) => {
      out.text += d.toString('latin1');
      out.answeredMs ??= performance.now() - t0;
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      out.closedMs = performance.now() - t0;
      resolve(out);
    });
    s.write(head);
    s.write(body);
  });
}

const post = (path: string, length: number, auth?: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${auth ? `Authorization: ${auth}\r\n` : ''}\r\n`;

test('a 1 MiB adversarial text body is answered within a second (the old parser took minutes)', async () => {
  const lines = Array.from({ length: 16 }, (_, i) => `k${i}${' '.repeat(MiB / 16 - 12)}v`).join('\n');
  for (const body of [lines, `name${' '.repeat(MiB - 6)}x`, ` \t\n`.repeat(MiB / 3)]) {
    const t0 = performance.now();
    const r = await t.carol.req('POST', '/drives/create', body);
    const ms = performance.now() - t0;
    assert.equal(r.status, 400);
    assert.match(r.text, /^errors:/m);
    assert.ok(ms < 1000, `answered in ${Math.round(ms)} ms`);
  }
});

test('callers are checked from the headers: a 16 MiB body without or with wrong credentials is refused before it is sent', async () => {
  const drive = (await t.carol.post('/drives/create', { name: 'edge', size: '32M' })).record.drive!;
  for (const [path, auth] of [
    ['/drives/create', undefined],
    ['/drives/create', basic(t.carol, 'wrong')],
    [`/drives/${drive}/write/0`, undefined],
    ['/servers/create', basic(t.dave, '')],
  ] as const) {
    const r = await exchange(post(path, 16 * MiB - 1, auth), Buffer.alloc(64 * 1024, 0x41), 3000);
    assert.match(r.text, /^HTTP\/1\.1 401 /, `${path}: ${r.text.slice(0, 80)}`);
    assert.match(r.text, /errors: HTTP Basic Authentication missing or incorrect/);
    assert.ok(r.closedMs !== undefined, `${path}: the connection is closed once the answer had time to be read`);
  }
  const unknown = await exchange(post('/drives/nothing/here', 16 * MiB - 1), Buffer.alloc(1024), 3000);
  assert.match(unknown.text, /^HTTP\/1\.1 404 /, 'an unknown command is answered before its body too');
});

test('each route caps its body: over 1 MiB on text routes, over 16 MiB on drive writes is a 400 in text, before the body is read', async () => {
  const drive = (await t.carol.post('/drives/create', { name: 'caps', size: '32M' })).record.drive!;
  for (const [path, length] of [
    ['/drives/create', MiB + 1],
    [`/drives/${drive}/set`, MiB + 1],
    [`/drives/${drive}/write/0`, 16 * MiB + 1],
  ] as const) {
    const r = await exchange(post(path, length, basic(t.carol)), Buffer.alloc(1024), 3000);
    assert.match(r.text, /^HTTP\/1\.1 400 /, path);
    assert.match(r.text, /errors: The request body is too large \(at most \d+ bytes here\)/, path);
  }
  const fits = await t.carol.req('POST', '/drives/create', `name fits\nsize 1M\n${'x y\n'.repeat(1000)}`);
  assert.equal(fits.status, 200, 'a body under the cap is served');
});

test('a body that stops arriving is cut off after NUBE_IDLE_TIMEOUT_MS; a handler slower than that still answers', async () => {
  const stalled = await exchange(
    post('/drives/create', 4096, basic(t.carol)),
    Buffer.from('name stalled\n'),
    IDLE_MS * 6,
  );
  assert.equal(stalled.text, '', 'no answer: the request never arrived');
  assert.ok(
    stalled.closedMs !== undefined && stalled.closedMs >= IDLE_MS * 0.8 && stalled.closedMs < IDLE_MS * 5,
    `closed after ${stalled.closedMs} ms`,
  );
  const server = (await t.carol.post('/servers/create', { name: 'slow', cpu: '1000', mem: '512' })).record.server!;
  const t0 = performance.now();
  const started = await t.carol.post(`/servers/${server}/start`, 'reason testing\n');
  assert.equal(started.record.status, 'active');
  assert.ok(performance.now() - t0 > IDLE_MS, 'the start waited for the simulated delay, longer than the idle timeout');
  const real = await fetch(`http://127.0.0.1:${port}/servers/${server}/stop`, {
    method: 'POST',
    body: 'reason testing\n',
    headers: { authorization: basic(t.carol) },
  });
  assert.equal(real.status, 204, 'over a real connection too');
});

test('NUL bytes in a path id, the query or the Basic credentials are a 400 in text, not a store error', async () => {
  const drive = (await t.carol.post('/drives/create', { name: 'nul', size: '1M' })).record.drive!;
  for (const url of [
    `/drives/${drive}%00/info`,
    '/drives/a%00b/info',
    `/drives/${drive}/info?x=%00`,
    `/drives/${drive}/read/0%00/1`,
  ]) {
    const r = await t.carol.req('GET', url);
    assert.equal(r.status, 400, url);
    assert.match(r.text, /^errors: The (path|query string) holds a NUL byte\n$/, url);
  }
  const login = await t.env.app.inject({
    url: '/drives/list',
    headers: { authorization: `Basic ${Buffer.from(`${t.carol.user}\u0000:x`).toString('base64')}` },
  });
  assert.deepEqual([login.statusCode, login.body], [400, 'errors: The Authorization header holds a NUL byte\n']);
  const body = await t.carol.req('POST', `/drives/${drive}/set`, 'name a\u0000b\n');
  assert.equal(body.status, 400);
  assert.match(body.text, /^errors:name /);
  assert.equal((await t.carol.get(`/drives/${drive}/info`)).record.name, 'nul', 'nothing changed');
});
