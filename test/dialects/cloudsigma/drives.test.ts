import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { ERROR_KINDS, CoreError } from '../../../src/core/errors.js';
import { SIGMA_STATUS, sigmaError } from '../../../src/dialects/cloudsigma/errors.js';
import { hashPassword } from '../../../src/core/accounts/secrets.js';
import { sigmaUser, SigmaClient } from './sigma-client.js';

let env: TestEnv;
let carol: SigmaClient;
let dave: SigmaClient;
before(async () => {
  env = await startTestEnv();
  carol = await sigmaUser(env, 'carol');
  dave = await sigmaUser(env, 'dave');
});
after(async () => { await env.close(); });

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
  for (const k of ERROR_KINDS) assert.ok(SIGMA_STATUS[k] >= 400, k);
  const e = sigmaError(new CoreError('Invalid', 'bad', { size: ['too big'] }), 'r');
  assert.deepEqual([e.status, e.body], [400, 'errors:size too big\n']);
  assert.equal(sigmaError(new CoreError('Timeout', 'late'), 'r').status, 504);
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
  const d = (await carol.post('/drives/create', { name: 'TEST_DRIVE', size: '4M', 'claim:type': 'shared', tags: 'affinity:ssd' })).record;
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
  assert.match((await carol.post('/drives/create', { name: 'x', size: '1M', 'claim:type': 'mine' }, 400)).text, /^errors:claim:type /m);
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
  assert.equal((await carol.post(`${url}/write`, gzipSync(Buffer.alloc(2 * MB)), 400, { 'content-encoding': 'gzip' })).status, 400);
  assert.equal((await carol.post(`${url}/write`, Buffer.from('not gzip'), 400, { 'content-encoding': 'gzip' })).status, 400);
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
  assert.deepEqual(info.map((r) => r.drive), std.list);
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
  for (let i = 0; i < 3; i++) await carol.post(`/drives/${d.drive}/write/${i * 4 * MB}`, Buffer.alloc(4 * MB, i + 1), 204, octet);
  await carol.get(`/drives/${d.drive}/read/0/4M`);
  const info = (await carol.get(`/drives/${d.drive}/info`)).record;
  assert.deepEqual([info['write:requests'], info['write:bytes'], info['read:requests'], info['read:bytes']], ['3', String(12 * MB), '1', String(4 * MB)]);
  await carol.post(`/drives/${d.drive}/write/12M`, Buffer.from('tail'), 204);
  await env.rt.core.volumeData.flushCounters();
  const row = await env.rt.store.db.selectFrom('volume_extras').selectAll().where('volume_id', '=', d.drive!).executeTakeFirstOrThrow();
  assert.deepEqual([Number(row.write_requests), Number(row.write_bytes), Number(row.read_requests)], [4, 12 * MB + 4, 1]);
  const again = (await carol.get('/drives/info')).records.find((r) => r.drive === d.drive)!;
  assert.deepEqual([again['write:requests'], again['write:bytes'], again['read:requests']], ['4', String(12 * MB + 4), '1']);
  const back = await carol.get(`/drives/${d.drive}/read/8M/4M`);
  assert.ok(back.raw.equals(Buffer.alloc(4 * MB, 3)));
});

test('4 MiB bodies sent at once are each written where they belong (raw and gzip), and a body too large for the drive writes nothing', async () => {
  const d = (await carol.post('/drives/create', { name: 'parallel', size: '40M' })).record;
  const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(4 * MB, 0x30 + i));
  await Promise.all(chunks.map((c, i) => carol.post(`/drives/${d.drive}/write/${i * 4 * MB}`, i % 3 === 0 ? gzipSync(c) : c, 204,
    i % 3 === 0 ? { 'content-encoding': 'gzip' } : { 'content-type': 'application/octet-stream' })));
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
  await db.updateTable('users').set({ password_hash: await hashPassword('new-secret') }).where('email', '=', erin.user).execute();
  assert.equal((await erin.req('GET', '/drives/list')).status, 401, 'the old password no longer works');
  const renewed = new SigmaClient(env.app, erin.user, 'new-secret');
  assert.equal((await renewed.req('GET', '/drives/list')).status, 200);
  await db.updateTable('users').set({ state: 'disabled' }).where('email', '=', erin.user).execute();
  assert.equal((await renewed.req('GET', '/drives/list')).status, 401, 'a disabled user is refused');
  await db.updateTable('users').set({ state: 'enabled' }).where('email', '=', erin.user).execute();
  assert.equal((await renewed.req('GET', '/drives/list')).status, 200);
  await renewed.post('/profile/set', { email: 'erin.new@example.com' });
  assert.equal((await renewed.req('GET', '/drives/list')).status, 401, 'the old email no longer logs in');
  assert.equal((await new SigmaClient(env.app, 'erin.new@example.com', 'new-secret').req('GET', '/drives/list')).status, 200);
  assert.equal((await new SigmaClient(env.app, 'erin.new@example.com', 'pw-erin-secret').req('GET', '/drives/list')).status, 401);
});
