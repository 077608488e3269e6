import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { ERROR_PAIRS, CoreError, type CoreErrorArgs } from '../../../src/lib/errors.js';
import { sigmaError } from '../../../src/dialects/cloudsigma/errors.js';
import { hashPassword } from '../../../src/core/accounts/secrets.js';
import { sigmaUser, SigmaClient } from './sigma-client.js';

let env: TestEnv;
let carol: SigmaClient;
let dave: SigmaClient;
let port: number;
before(async () => {
  env = await startTestEnv();
  carol = await sigmaUser(env, 'carol');
  dave = await sigmaUser(env, 'dave');
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  port = (env.app.server.address() as AddressInfo).port;
});
after(async () => {
  await env.close();
});

const MB = 1024 * 1024;

test('Basic auth: missing, wrong or malformed credentials are 401; the right email and password work', async () => {
  assert.equal((await env.app.inject({ method: 'GET', url: '/drives/list' })).statusCode, 401);
  assert.equal((await new SigmaClient(env.app, carol.user, 'wrong').req('GET', '/drives/list')).status, 401);
  const bad = await env.app.inject({ method: 'GET', url: '/drives/list', headers: { authorization: 'Basic !!!' } });
  assert.equal(bad.statusCode, 401);
  assert.match(bad.body, /^errors: /);
  assert.equal((await carol.req('GET', '/drives/list')).status, 200);
});

test('error map is total and writes errors:<field> lines', () => {
  for (const { kind, reason } of ERROR_PAIRS) {
    assert.ok(
      sigmaError(new CoreError(...([kind, reason, 'msg'] as CoreErrorArgs)), 'r').status >= 400,
      `${kind}/${reason}`,
    );
  }
  const e = sigmaError(new CoreError('Invalid', 'bad_input', 'bad', { size: ['too big'] }), 'r');
  assert.deepEqual([e.status, e.body], [400, 'errors:size too big\n']);
  assert.equal(sigmaError(new CoreError('Timeout', 'still_running', 'late'), 'r').status, 504);
  assert.equal(sigmaError(new Error('secret detail'), 'r').body.includes('secret'), false);
});

test('profile info and set; set refuses an empty required field with 400 errors:first_name', async () => {
  const info = await carol.get('/profile/info');
  assert.equal(info.record.email, carol.user);
  const bad = await carol.post('/profile/set', 'first_name\n', 400);
  assert.match(bad.text, /^errors:first_name /m);
  const ok = await carol.post('/profile/set', { first_name: 'Carol', last_name: 'Smith' });
  assert.equal(ok.record.first_name, 'Carol');
  assert.equal((await carol.get('/profile/info')).record.last_name, 'Smith');
});

test('drive create/info/list/all info; suffix sizes; 400 for missing name or bad size; 405 for GET on create', async () => {
  const d = (
    await carol.post('/drives/create', { name: 'TEST_DRIVE', size: '4M', 'claim:type': 'shared', tags: 'affinity:ssd' })
  ).record;
  assert.equal(d.size, String(4 * MB));
  assert.equal(d.name, 'TEST_DRIVE');
  assert.equal(d.status, 'active');
  assert.equal(d['claim:type'], 'shared');
  assert.equal(d.tags, 'affinity:ssd');
  assert.equal(d['write:bytes'], '0');
  assert.ok((await carol.get('/drives/list')).list.includes(d.drive!));
  assert.equal((await carol.get(`/drives/${d.drive}/info`)).record.name, 'TEST_DRIVE');
  const all = (await carol.get('/drives/info')).records;
  assert.ok(all.some((r) => r.drive === d.drive));
  assert.match((await carol.post('/drives/create', { size: '4M' }, 400)).text, /^errors:name /m);
  assert.match((await carol.post('/drives/create', { name: 'x', size: 'lots' }, 400)).text, /^errors:size /m);
  assert.match(
    (await carol.post('/drives/create', { name: 'x', size: '1M', 'claim:type': 'mine' }, 400)).text,
    /^errors:claim:type /m,
  );
  assert.equal((await carol.req('GET', '/drives/create')).status, 405);
  assert.equal((await carol.req('GET', '/drives/nope/unknown')).status, 404);
  // Another account sees nothing of it.
  assert.equal((await dave.req('GET', `/drives/${d.drive}/info`)).status, 404);
  assert.ok(!(await dave.get('/drives/list')).list.includes(d.drive!));
});

test('write raw and gzip at offsets, read back the same bytes; counters show in info', async () => {
  const d = (await carol.post('/drives/create', { name: 'data', size: '16M' })).record;
  const raw = Buffer.alloc(MB, 7);
  await carol.post(`/drives/${d.drive}/write`, raw, 204, { 'content-type': 'application/octet-stream' });
  const text = Buffer.from('hello drive '.repeat(10000));
  await carol.post(`/drives/${d.drive}/write/4M`, gzipSync(text), 204, { 'content-encoding': 'gzip' });
  await carol.post(`/drives/${d.drive}/write/8M`, gzipSync(Buffer.from('magic only')), 204);
  const a = await carol.get(`/drives/${d.drive}/read/0/1M`);
  assert.ok(a.raw.equals(raw));
  assert.ok((await carol.get(`/drives/${d.drive}/read/4M/${text.length}`)).raw.equals(text));
  assert.equal((await carol.get(`/drives/${d.drive}/read/8M/10`)).raw.toString(), 'magic only');
  assert.ok((await carol.get(`/drives/${d.drive}/read/${2 * MB}/16`)).raw.equals(Buffer.alloc(16)));
  const info = (await carol.get(`/drives/${d.drive}/info`)).record;
  assert.equal(info['write:requests'], '3');
  assert.equal(info['write:bytes'], String(MB + text.length + 10));
  assert.equal(info['read:requests'], '4');
  assert.equal(info['read:bytes'], String(MB + text.length + 10 + 16));
  // The bytes are the shared volume storage's.
  const stored = await env.rt.core.deps.storage!.read(d.drive!, 0, 4);
  assert.ok(stored.equals(Buffer.alloc(4, 7)));
});

test('writes past the end, bombs, bad gzip, chunked and oversize bodies are 400 with nothing written', async () => {
  const d = (await carol.post('/drives/create', { name: 'small', size: '1M' })).record;
  const url = `/drives/${d.drive}`;
  assert.match((await carol.post(`${url}/write/${MB - 2}`, Buffer.from('abcd'), 400)).text, /past the end/);
  assert.equal(
    (await carol.post(`${url}/write`, gzipSync(Buffer.alloc(2 * MB)), 400, { 'content-encoding': 'gzip' })).status,
    400,
  );
  assert.equal(
    (await carol.post(`${url}/write`, Buffer.from('not gzip'), 400, { 'content-encoding': 'gzip' })).status,
    400,
  );
  assert.equal((await carol.post(`${url}/write`, Buffer.from('x'), 400, { 'content-encoding': 'br' })).status, 400);
  assert.equal((await carol.post(`${url}/write/1X`, Buffer.from('x'), 400)).status, 400);
  const big = await carol.req('POST', `${url}/write`, Buffer.alloc(17 * MB));
  assert.equal(big.status, 400);
  const chunked = await carol.req('POST', `${url}/write`, Buffer.from('abc'), { 'transfer-encoding': 'chunked' });
  assert.equal(chunked.status, 400);
  assert.equal((await carol.req('GET', `${url}/read/0/5M`)).status, 400);
  assert.equal((await carol.req('GET', `${url}/read/${MB - 1}/2`)).status, 400);
  const info = (await carol.get(`${url}/info`)).record;
  assert.equal(info['write:requests'], '0');
  assert.ok((await carol.get(`${url}/read/0/4k`)).raw.equals(Buffer.alloc(4096)));
  assert.equal((await dave.req('POST', `${url}/write`, Buffer.from('x'))).status, 404);
  assert.equal((await dave.req('GET', `${url}/read/0/1`)).status, 404);
});

test('clone copies the bytes, is never smaller, accepts 50G-style sizes; destroy is 204 and then 404', async () => {
  const d = (await carol.post('/drives/create', { name: 'src', size: '2M' })).record;
  await carol.post(`/drives/${d.drive}/write/1k`, Buffer.from('payload'), 204);
  assert.match((await carol.post(`/drives/${d.drive}/clone`, { name: 'c', size: '1M' }, 400)).text, /^errors:size /m);
  const c = (await carol.post(`/drives/${d.drive}/clone`, { name: 'copy', size: '3M', driveType: 'hdd' })).record;
  assert.equal(c.size, String(3 * MB));
  assert.equal((await carol.get(`/drives/${c.drive}/read/1k/7`)).raw.toString(), 'payload');
  assert.equal((await dave.req('POST', `/drives/${d.drive}/clone`, { name: 'steal' })).status, 404);
  await carol.post(`/drives/${c.drive}/destroy`, undefined, 204);
  assert.equal((await carol.req('GET', `/drives/${c.drive}/info`)).status, 404);
  assert.equal((await carol.req('GET', `/drives/${d.drive}/destroy`)).status, 204);
});

test('standard drives come from the template catalog and clone into the account', async () => {
  const std = await carol.get('/drives/standard/list');
  assert.ok(std.list.length >= 1);
  const info = (await carol.get('/drives/standard/info')).records;
  assert.deepEqual(
    info.map((r) => r.drive),
    std.list,
  );
  assert.ok(info.every((r) => r.type === 'disk' && Number(r.size) > 0));
  assert.deepEqual((await carol.get('/drives/standard/img/list')).list, std.list);
  assert.deepEqual((await carol.get('/drives/standard/cd/list')).list, []);
  const c = (await carol.post(`/drives/${std.list[0]}/clone`, { name: 'root', size: '50G' })).record;
  assert.equal(c.size, String(50 * 1024 ** 3));
  assert.ok((await carol.get('/drives/list')).list.includes(c.drive!));
});

test('I/O counters are exact right after writes and reads, and reach the database once', async () => {
  const d = (await carol.post('/drives/create', { name: 'counted', size: '16M' })).record;
  const octet = { 'content-type': 'application/octet-stream' };
  for (let i = 0; i < 3; i++)
    await carol.post(`/drives/${d.drive}/write/${i * 4 * MB}`, Buffer.alloc(4 * MB, i + 1), 204, octet);
  await carol.get(`/drives/${d.drive}/read/0/4M`);
  const info = (await carol.get(`/drives/${d.drive}/info`)).record;
  assert.deepEqual(
    [info['write:requests'], info['write:bytes'], info['read:requests'], info['read:bytes']],
    ['3', String(12 * MB), '1', String(4 * MB)],
  );
  await carol.post(`/drives/${d.drive}/write/12M`, Buffer.from('tail'), 204);
  await env.rt.core.volumes.flushCounters();
  const row = await env.rt.store.db
    .selectFrom('volume_extras')
    .selectAll()
    .where('volume_id', '=', d.drive!)
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    [Number(row.write_requests), Number(row.write_bytes), Number(row.read_requests)],
    [4, 12 * MB + 4, 1],
  );
  const again = (await carol.get('/drives/info')).records.find((r) => r.drive === d.drive)!;
  assert.deepEqual(
    [again['write:requests'], again['write:bytes'], again['read:requests']],
    ['4', String(12 * MB + 4), '1'],
  );
  const back = await carol.get(`/drives/${d.drive}/read/8M/4M`);
  assert.ok(back.raw.equals(Buffer.alloc(4 * MB, 3)));
});

test('4 MiB bodies sent at once are each written where they belong (raw and gzip), and a body too large for the drive writes nothing', async () => {
  const d = (await carol.post('/drives/create', { name: 'parallel', size: '40M' })).record;
  const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(4 * MB, 0x30 + i));
  await Promise.all(
    chunks.map((c, i) =>
      carol.post(
        `/drives/${d.drive}/write/${i * 4 * MB}`,
        i % 3 === 0 ? gzipSync(c) : c,
        204,
        i % 3 === 0 ? { 'content-encoding': 'gzip' } : { 'content-type': 'application/octet-stream' },
      ),
    ),
  );
  const back = await Promise.all(chunks.map((_, i) => carol.get(`/drives/${d.drive}/read/${i * 4 * MB}/4M`)));
  back.forEach((b, i) => assert.ok(b.raw.equals(chunks[i]!), `chunk ${i}`));
  const small = (await carol.post('/drives/create', { name: 'tiny', size: '1M' })).record;
  assert.match((await carol.post(`/drives/${small.drive}/write`, Buffer.alloc(2 * MB, 1), 400)).text, /past the end/);
  assert.ok((await carol.get(`/drives/${small.drive}/read/0/1M`)).raw.equals(Buffer.alloc(MB)));
});

test('a changed password, a disabled user or a changed email takes effect on the next request despite the login cache', async () => {
  const erin = await sigmaUser(env, 'erin');
  assert.equal((await erin.req('GET', '/drives/list')).status, 200);
  assert.equal((await erin.req('GET', '/drives/list')).status, 200);
  const db = env.rt.store.db;
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword('new-secret') })
    .where('email', '=', erin.user)
    .execute();
  assert.equal((await erin.req('GET', '/drives/list')).status, 401, 'the old password no longer works');
  const renewed = new SigmaClient(env.app, erin.user, 'new-secret');
  assert.equal((await renewed.req('GET', '/drives/list')).status, 200);
  await db.updateTable('users').set({ state: 'disabled' }).where('email', '=', erin.user).execute();
  assert.equal((await renewed.req('GET', '/drives/list')).status, 401, 'a disabled user is refused');
  await db.updateTable('users').set({ state: 'enabled' }).where('email', '=', erin.user).execute();
  assert.equal((await renewed.req('GET', '/drives/list')).status, 200);
  await renewed.post('/profile/set', { email: 'erin.new@example.com' });
  assert.equal((await renewed.req('GET', '/drives/list')).status, 401, 'the old email no longer logs in');
  assert.equal(
    (await new SigmaClient(env.app, 'erin.new@example.com', 'new-secret').req('GET', '/drives/list')).status,
    200,
  );
  assert.equal(
    (await new SigmaClient(env.app, 'erin.new@example.com', 'pw-erin-secret').req('GET', '/drives/list')).status,
    401,
  );
});

const basic = (c: SigmaClient) => `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;

/** A write over a real connection (the body arrives in socket-sized chunks, as from any client). */
async function httpWrite(
  c: SigmaClient,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: basic(c), 'content-type': 'application/octet-stream', ...headers },
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Sends head and parts on a fresh connection (cut: destroyed once the parts are sent) and returns what came back until the server closed it. */
function rawExchange(head: string, parts: Buffer[], cut: boolean): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on('data', (b: Buffer) => {
      out += b.toString('latin1');
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.on('connect', () => {
      s.write(head);
      parts.forEach((p, i) => s.write(p, i === parts.length - 1 && cut ? () => s.destroy() : undefined));
    });
  });
}

test('streamed raw writes land byte for byte: 4 MiB over a connection, unaligned offsets and lengths, one-chunk bodies, gzip-looking bodies', async () => {
  const d = (await carol.post('/drives/create', { name: 'streamed', size: '24M' })).record;
  const url = `/drives/${d.drive}`;
  const big = randomBytes(4 * MB);
  assert.equal((await httpWrite(carol, `${url}/write/4M`, big)).status, 204);
  assert.ok((await carol.get(`${url}/read/4M/4M`)).raw.equals(big));
  const odd = randomBytes(MB + 100);
  assert.equal(
    (await httpWrite(carol, `${url}/write/${9 * MB}`, odd)).status,
    204,
    'aligned offset, length not block-aligned',
  );
  const skew = randomBytes(3 * MB + 7);
  assert.equal((await httpWrite(carol, `${url}/write/${12 * MB + 513}`, skew)).status, 204, 'unaligned offset');
  await carol.post(`${url}/write/16M`, Buffer.alloc(2 * MB, 9), 204, { 'content-type': 'application/octet-stream' });
  const whole = (await carol.get(`${url}/read/8M/4M`)).raw;
  assert.ok(whole.subarray(0, MB).equals(Buffer.alloc(MB)));
  assert.ok(whole.subarray(MB, 2 * MB + 100).equals(odd));
  assert.ok(whole.subarray(2 * MB + 100).equals(Buffer.alloc(2 * MB - 100)));
  const around = (await carol.get(`${url}/read/12M/4M`)).raw;
  assert.ok(around.subarray(0, 513).equals(Buffer.alloc(513)));
  assert.ok(around.subarray(513, 513 + skew.length).equals(skew));
  assert.ok(around.subarray(513 + skew.length).equals(Buffer.alloc(4 * MB - 513 - skew.length)));
  assert.ok((await carol.get(`${url}/read/16M/2M`)).raw.equals(Buffer.alloc(2 * MB, 9)));
  // A large body without Content-Encoding that is gzip is inflated; one that only starts like gzip is written as it is.
  const text = Buffer.from(
    Array.from({ length: 20000 }, (_, i) => `line ${i} ${randomBytes(8).toString('hex')}\n`).join(''),
  );
  const gz = gzipSync(text);
  assert.ok(gz.length > 64 * 1024);
  assert.equal((await httpWrite(carol, `${url}/write/20M`, gz)).status, 204);
  assert.ok((await carol.get(`${url}/read/20M/${text.length}`)).raw.equals(text));
  const fake = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), randomBytes(MB - 3)]);
  assert.equal((await httpWrite(carol, `${url}/write/0`, fake)).status, 204);
  assert.ok((await carol.get(`${url}/read/0/1M`)).raw.equals(fake));
  const info = (await carol.get(`${url}/info`)).record;
  assert.equal(info['write:requests'], '6');
  assert.equal(info['write:bytes'], String(4 * MB + odd.length + skew.length + 2 * MB + text.length + MB));
});

test('a streamed write refused before its body (past the end, not found, unauthenticated, bad offset) writes nothing', async () => {
  const d = (await carol.post('/drives/create', { name: 'edge', size: '6M' })).record;
  const url = `/drives/${d.drive}`;
  const body = Buffer.alloc(4 * MB, 0xab);
  const past = await httpWrite(carol, `${url}/write/4M`, body);
  assert.equal(past.status, 400);
  assert.match(past.text, /^errors:offset .*past the end/m);
  assert.equal((await httpWrite(dave, `${url}/write/0`, body)).status, 404);
  assert.equal((await httpWrite(new SigmaClient(env.app, carol.user, 'wrong'), `${url}/write/0`, body)).status, 401);
  assert.equal((await httpWrite(carol, `${url}/write/4X`, body)).status, 400);
  assert.equal((await carol.post(`${url}/write/4M`, body, 400)).status, 400, 'the same through inject');
  assert.equal(await env.rt.core.deps.storage!.has(d.drive!), false, 'no volume file was even made');
  assert.equal((await carol.get(`${url}/info`)).record['write:requests'], '0');
  assert.ok((await carol.get(`${url}/read/2M/4M`)).raw.equals(Buffer.alloc(4 * MB)));
});

test('a body cut short or longer than its Content-Length gets a clean error; pieces written before a cut stay; the server keeps working', async () => {
  const d = (await carol.post('/drives/create', { name: 'cut', size: '8M' })).record;
  const url = `/drives/${d.drive}`;
  const head = (len: number) =>
    `POST ${url}/write/0 HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(carol)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${len}\r\n\r\n`;
  assert.equal(await rawExchange(head(4 * MB), [Buffer.alloc(MB + MB / 2, 7)], true), '');
  // Over inject the whole body comes at once: too short or too long is a 400 with nothing written.
  const short = await carol.req('POST', `${url}/write/0`, Buffer.alloc(MB / 2, 1), {
    'content-length': String(2 * MB),
    'content-type': 'application/octet-stream',
  });
  assert.deepEqual([short.status, short.text], [400, 'errors: Malformed request: The request body was cut short\n']);
  const long = await carol.req('POST', `${url}/write/0`, Buffer.alloc(2 * MB, 2), {
    'content-length': String(MB),
    'content-type': 'application/octet-stream',
  });
  assert.deepEqual(
    [long.status, long.text],
    [400, 'errors: Malformed request: The request body is longer than its Content-Length\n'],
  );
  // On a real connection bytes past the Content-Length are the next request: this garbage gets a 400 and the connection closes.
  const over = await rawExchange(
    head(128 * 1024),
    [Buffer.alloc(128 * 1024, 5), Buffer.from('GARBAGE\r\n\r\n')],
    false,
  );
  assert.match(over, /HTTP\/1\.1 400 /);
  const back = (await carol.get(`${url}/read/0/4M`)).raw;
  assert.ok(
    back.subarray(MB).equals(Buffer.alloc(3 * MB)),
    'nothing past the first full piece of the cut body, nor from the inject bodies',
  );
  assert.ok(back.subarray(128 * 1024, MB).every((b) => b === 0 || b === 7));
  assert.ok(
    ['0', '1'].includes((await carol.get(`${url}/info`)).record['write:requests']!),
    'only the body that arrived whole may be counted',
  );
  const after = randomBytes(4 * MB);
  assert.equal((await httpWrite(carol, `${url}/write/4M`, after)).status, 204);
  assert.ok((await carol.get(`${url}/read/4M/4M`)).raw.equals(after));
});

test('concurrent streamed writes to different offsets of one drive and of two drives land in place', async () => {
  const a = (await carol.post('/drives/create', { name: 'many-a', size: '32M' })).record;
  const b = (await carol.post('/drives/create', { name: 'many-b', size: '32M' })).record;
  const chunks = Array.from({ length: 8 }, () => randomBytes(4 * MB));
  const sent = await Promise.all(
    chunks.flatMap((c, i) => [
      httpWrite(carol, `/drives/${a.drive}/write/${i * 4 * MB}`, c),
      httpWrite(carol, `/drives/${b.drive}/write/${(7 - i) * 4 * MB}`, c),
    ]),
  );
  assert.deepEqual(
    sent.map((r) => r.status),
    sent.map(() => 204),
  );
  for (let i = 0; i < chunks.length; i++) {
    assert.ok((await carol.get(`/drives/${a.drive}/read/${i * 4 * MB}/4M`)).raw.equals(chunks[i]!), `a chunk ${i}`);
    assert.ok(
      (await carol.get(`/drives/${b.drive}/read/${(7 - i) * 4 * MB}/4M`)).raw.equals(chunks[i]!),
      `b chunk ${i}`,
    );
  }
  assert.equal((await carol.get(`/drives/${a.drive}/info`)).record['write:bytes'], String(32 * MB));
});
