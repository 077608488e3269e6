/** Outbound requests (callbacks, webhooks): every forbidden address class is refused, redirects are not followed, allowPrivate reaches a local server. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outboundRequest, OutboundError } from '../../src/lib/outbound.js';
import { loadConfig } from '../../src/config.js';

let server: Server;
let base: string;
const seen: { method: string; url: string; body: string; host: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, host: req.headers.host ?? '' });
      if (req.url === '/moved') {
        res.writeHead(302, 'Found Elsewhere', { location: '/target' });
        res.end();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(4 * 1024 * 1024));
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 3000).unref();
      } else {
        res.statusMessage = 'Accepted Gladly';
        res.writeHead(202);
        res.end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function refusal(url: string): Promise<string> {
  const err = await outboundRequest({ url, method: 'POST', body: '{}' }).then(
    () => assert.fail(`${url} was called`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OutboundError, `${url}: ${String(err)}`);
  return err.message;
}

test('every forbidden address class is refused before any connection is made', async () => {
  const cases: [string, RegExp][] = [
    ['http://127.0.0.1/', /loopback/],
    ['http://127.8.9.10:8080/x', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://10.1.2.3/', /private/],
    ['http://172.16.0.1/', /private/],
    ['http://172.31.255.254/', /private/],
    ['http://192.168.1.1/', /private/],
    ['http://[fc00::1]/', /private/],
    ['http://[fd12:3456::1]/', /private/],
    ['http://100.64.0.1/', /CGNAT/],
    ['http://100.127.255.254/', /CGNAT/],
    ['http://169.254.1.1/', /link-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://169.254.169.254/latest/meta-data/', /metadata/],
    ['http://[fd00:ec2::254]/', /metadata/],
    ['http://224.0.0.1/', /multicast/],
    ['http://[ff02::1]/', /multicast/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://[::ffff:10.0.0.1]/', /private/],
    ['http://[::ffff:169.254.169.254]/', /metadata/],
    ['http://[::ffff:192.168.0.1]/', /private/],
    ['http://2130706433/', /loopback/],
    ['http://0x7f.1/', /loopback/],
  ];
  for (const [url, why] of cases) assert.match(await refusal(url), why, url);
  assert.equal(seen.length, 0, 'nothing reached the local server');
});

test('a host name that resolves to a loopback address is refused, naming the address', async () => {
  const port = (server.address() as AddressInfo).port;
  const msg = await refusal(`http://localhost:${port}/hook`);
  assert.match(msg, /localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/);
  assert.equal(seen.length, 0);
});

test('only http and https URLs are called; a malformed URL is refused', async () => {
  assert.match(await refusal('ftp://example.com/x'), /Only http and https/);
  assert.match(await refusal('file:///etc/passwd'), /Only http and https/);
  assert.match(await refusal('not a url'), /Invalid URL/);
});

test('allowPrivate reaches a local server with the method, headers and body given', async () => {
  seen.length = 0;
  const port = (server.address() as AddressInfo).port;
  const res = await outboundRequest({
    url: `http://localhost:${port}/hook?a=1`,
    method: 'GET',
    headers: { 'content-type': 'application/json' },
    body: '{"task":"t1"}',
    allowPrivate: true,
  });
  assert.deepEqual(res, { status: 202, statusText: 'Accepted Gladly' });
  assert.deepEqual(seen, [{ method: 'GET', url: '/hook?a=1', body: '{"task":"t1"}', host: `localhost:${port}` }]);
});

test('a redirect is not followed: the caller gets the 302 and the target is never asked', async () => {
  seen.length = 0;
  const res = await outboundRequest({ url: `${base}/moved`, method: 'POST', body: '{}', allowPrivate: true });
  assert.deepEqual(res, { status: 302, statusText: 'Found Elsewhere' });
  assert.deepEqual(
    seen.map((s) => s.url),
    ['/moved'],
  );
});

test('a large answer is cut short, a slow one times out, a closed port fails with a clear error', async () => {
  const big = await outboundRequest({ url: `${base}/big`, method: 'GET', allowPrivate: true });
  assert.equal(big.status, 200);
  await assert.rejects(
    outboundRequest({ url: `${base}/slow`, method: 'POST', allowPrivate: true, timeoutMs: 300 }),
    (e: unknown) => e instanceof OutboundError && /No answer within 300 ms/.test(e.message),
  );
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(
    outboundRequest({ url: `http://127.0.0.1:${port}/`, method: 'POST', allowPrivate: true }),
    (e: unknown) => e instanceof OutboundError && /ECONNREFUSED/.test(e.message),
  );
});

test('NUBE_OUTBOUND_ALLOW_PRIVATE=1 is the only value that allows private addresses', () => {
  assert.equal(loadConfig({}).outbound.allowPrivate, false);
  assert.equal(loadConfig({ NUBE_OUTBOUND_ALLOW_PRIVATE: '1' }).outbound.allowPrivate, true);
  assert.equal(loadConfig({ NUBE_OUTBOUND_ALLOW_PRIVATE: 'yes' }).outbound.allowPrivate, false);
});
