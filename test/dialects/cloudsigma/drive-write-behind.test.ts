import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { sigmaUser, type SigmaClient } from './sigma-client.js';

let env: TestEnv;
let carol: SigmaClient;
before(async () => {
  env = await startTestEnv();
  carol = await sigmaUser(env, 'carol');
});
after(async () => {
  await env.close();
});

const MB = 1024 * 1024;
const octet = { 'content-type': 'application/octet-stream' };

test('4 MiB raw writes answered back to back are seen by the next read and clone of the drive, in order', async () => {
  const d = (await carol.post('/drives/create', { name: 'behind', size: '64M' })).record;
  const chunks = Array.from({ length: 8 }, () => randomBytes(4 * MB));
  for (let i = 0; i < chunks.length; i++)
    await carol.post(`/drives/${d.drive}/write/${i * 4 * MB}`, chunks[i]!, 204, octet);
  for (let i = 0; i < chunks.length; i++)
    assert.ok((await carol.get(`/drives/${d.drive}/read/${i * 4 * MB}/4M`)).raw.equals(chunks[i]!), `chunk ${i}`);
  const last = randomBytes(4 * MB);
  await carol.post(`/drives/${d.drive}/write/${60 * MB}`, last, 204, octet);
  const c = (await carol.post(`/drives/${d.drive}/clone`, { name: 'copy' })).record;
  assert.ok(
    (await carol.get(`/drives/${c.drive}/read/${60 * MB}/4M`)).raw.equals(last),
    'the clone has the last write',
  );
  const over = randomBytes(4 * MB);
  await carol.post(`/drives/${d.drive}/write/${2 * MB}`, over, 204, octet);
  const back = (await carol.get(`/drives/${d.drive}/read/0/4M`)).raw;
  assert.ok(back.subarray(0, 2 * MB).equals(chunks[0]!.subarray(0, 2 * MB)));
  assert.ok(back.subarray(2 * MB).equals(over.subarray(0, 2 * MB)), 'an overlapping write lands after the earlier one');
});

test('gzip writes answered back to back land in order with raw writes, and the next read and clone see them', async () => {
  const d = (await carol.post('/drives/create', { name: 'behind-gzip', size: '32M' })).record;
  const text = (i: number) => Buffer.alloc(4 * MB, `chunk ${i} `);
  for (let i = 0; i < 4; i++)
    await carol.post(`/drives/${d.drive}/write/${i * 4 * MB}`, gzipSync(text(i)), 204, {
      ...octet,
      'content-encoding': 'gzip',
    });
  const raw = randomBytes(MB);
  await carol.post(`/drives/${d.drive}/write/${5 * MB}`, raw, 204, octet);
  await carol.post(`/drives/${d.drive}/write/${6 * MB}`, gzipSync(Buffer.alloc(MB, 7)), 204, {
    ...octet,
    'content-encoding': 'gzip',
  });
  const c = (await carol.post(`/drives/${d.drive}/clone`, { name: 'gzip-copy' })).record;
  for (const drive of [d.drive, c.drive]) {
    const first = (await carol.get(`/drives/${drive}/read/0/4M`)).raw;
    assert.ok(first.equals(text(0)), `chunk 0 of ${drive}`);
    const second = (await carol.get(`/drives/${drive}/read/${4 * MB}/4M`)).raw;
    assert.ok(second.subarray(0, MB).equals(text(1).subarray(0, MB)), 'the gzip write under the raw one');
    assert.ok(second.subarray(MB, 2 * MB).equals(raw), 'the raw write over the gzip one');
    assert.ok(second.subarray(2 * MB, 3 * MB).equals(Buffer.alloc(MB, 7)), 'the last gzip write');
    assert.ok(second.subarray(3 * MB).equals(text(1).subarray(3 * MB)));
  }
});

test('gzip bodies that inflate past 4 MiB, sent several at once, each land whole in their own place', async () => {
  const d = (await carol.post('/drives/create', { name: 'inflate-large', size: '64M' })).record;
  const body = (n: number, mib: number) =>
    Buffer.concat(
      Array.from({ length: mib * 16 }, (_, k) =>
        Buffer.concat([Buffer.from(`body ${n} block ${k} `.padEnd(60 * 1024, '.')), randomBytes(4 * 1024)]),
      ),
    );
  const plain = [body(0, 12), body(1, 9), body(2, 16), body(3, 5)];
  const at = [0, 12, 24, 40].map((m) => m * MB);
  await Promise.all(
    plain.map((p, i) =>
      carol.post(`/drives/${d.drive}/write/${at[i]}`, gzipSync(p), 204, { ...octet, 'content-encoding': 'gzip' }),
    ),
  );
  for (let i = 0; i < plain.length; i++)
    for (let off = 0; off < plain[i]!.length; off += 4 * MB) {
      const want = plain[i]!.subarray(off, off + 4 * MB);
      const got = (await carol.get(`/drives/${d.drive}/read/${at[i]! + off}/${want.length}`)).raw;
      assert.ok(got.equals(want), `body ${i} at ${off}`);
    }
});

test('a drive destroyed right after a raw write is gone, and its pending write is not reported elsewhere', async () => {
  const d = (await carol.post('/drives/create', { name: 'short', size: '8M' })).record;
  await carol.post(`/drives/${d.drive}/write/0`, randomBytes(4 * MB), 204, octet);
  await carol.post(`/drives/${d.drive}/destroy`, '', 204);
  const e = (await carol.post('/drives/create', { name: 'next', size: '8M' })).record;
  const data = randomBytes(4 * MB);
  await carol.post(`/drives/${e.drive}/write/0`, data, 204, octet);
  assert.ok((await carol.get(`/drives/${e.drive}/read/0/4M`)).raw.equals(data));
  assert.equal(await env.rt.core.deps.storage!.has(d.drive!), false);
});

test('4 MiB reads over real connections, many at once and back to back, each answer their own range while read buffers are reused', async () => {
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(env.app.server.address() as { port: number }).port}`;
  const auth = { authorization: `Basic ${Buffer.from(`${carol.user}:${carol.password}`).toString('base64')}` };
  const drives: Array<{ id: string; chunks: Buffer[] }> = [];
  for (const name of ['pool-a', 'pool-b']) {
    const d = (await carol.post('/drives/create', { name, size: '16M' })).record;
    const chunks = Array.from({ length: 4 }, () => randomBytes(4 * MB));
    for (let i = 0; i < chunks.length; i++)
      await carol.post(`/drives/${d.drive}/write/${i * 4 * MB}`, chunks[i]!, 204, octet);
    drives.push({ id: d.drive!, chunks });
  }
  const read = async (d: { id: string; chunks: Buffer[] }, i: number) => {
    const res = await fetch(`${base}/drives/${d.id}/read/${i * 4 * MB}/4M`, { headers: auth });
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(d.chunks[i]!), `drive ${d.id} range ${i}`);
  };
  for (let round = 0; round < 3; round++) {
    await Promise.all(drives.flatMap((d) => d.chunks.map((_, i) => read(d, i))));
    for (const d of drives) for (let i = 0; i < d.chunks.length; i++) await read(d, i);
  }
});
