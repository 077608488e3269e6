import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { systemContext } from '../../../src/lib/context.js';
import { sigmaUser, type SigmaClient } from './sigma-client.js';

let env: TestEnv;
let carol: SigmaClient;
let port: number;
before(async () => {
  env = await startTestEnv();
  carol = await sigmaUser(env, 'carol');
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  port = (env.app.server.address() as AddressInfo).port;
});
after(async () => {
  await env.close();
});

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const volumeFile = (id: string) => join(env.config.dataDir, 'volumes', `${id}.img`);

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Opens a raw connection, sends the head of a write of `length` bytes and returns the socket and the answer to come. */
function startWrite(path: string, length: number): { sock: Socket; answer: Promise<string> } {
  const sock = connect(port, '127.0.0.1');
  const auth = `Basic ${Buffer.from(`${carol.user}:${carol.password}`).toString('base64')}`;
  sock.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`,
  );
  let out = '';
  const answer = new Promise<string>((resolve) => {
    sock.on('data', (b: Buffer) => {
      out += b.toString('latin1');
    });
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(out));
  });
  return { sock, answer };
}

test('a streamed write racing a destroy of its drive gets an error, not 204, and leaves no volume file behind', async () => {
  const d = (await carol.post('/drives/create', { name: 'doomed', size: '16M' })).record.drive!;
  const { sock, answer } = startWrite(`/drives/${d}/write/0`, 8 * MB);
  sock.write(Buffer.alloc(2 * MB, 0x61));
  await waitFor('the first pieces on disk', () => existsSync(volumeFile(d)));
  await carol.post(`/drives/${d}/destroy`, undefined, 204);
  assert.equal(existsSync(volumeFile(d)), false, 'the destroy removed the file');
  // The rest of the body, without a half-close: HTTP clients keep their side open for the answer (Node closes on a client's FIN).
  sock.write(Buffer.alloc(6 * MB, 0x62));
  const reply = await answer;
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1]);
  assert.notEqual(status, 204, reply.slice(0, 200));
  assert.equal(status, 409, reply.slice(0, 300));
  assert.match(reply, /removed|destroyed/);
  await sleep(200);
  assert.equal(existsSync(volumeFile(d)), false, 'the rest of the body did not create the file again');
  assert.equal((await carol.req('GET', `/drives/${d}/info`)).status, 404);
});

test('a write that begins just after its drive was destroyed (e.g. by another process) is refused and leaves no file', async () => {
  const ctx = systemContext((await env.rt.core.accounts.accountByName('carol')).id, 'carol');
  const db = env.rt.store.db;
  const destroyElsewhere = (id: string) =>
    db
      .updateTable('volumes')
      .set({ state: 'Destroy', removed_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();

  const streamed = (await carol.post('/drives/create', { name: 'elsewhere-1', size: '8M' })).record.drive!;
  const w = await env.rt.core.volumes.openWrite(ctx, streamed, 0, 2 * MB);
  await destroyElsewhere(streamed);
  await w.write(Buffer.alloc(2 * MB, 1));
  await assert.rejects(w.finish(), (err: Error) => /destroyed/.test(err.message));
  assert.equal(existsSync(volumeFile(streamed)), false);

  const plain = (await carol.post('/drives/create', { name: 'elsewhere-2', size: '8M' })).record.drive!;
  await assert.rejects(
    env.rt.core.volumes.write(ctx, plain, 0, async () => {
      await destroyElsewhere(plain);
      return Buffer.alloc(MB, 2);
    }),
    (err: Error) => /destroyed/.test(err.message),
  );
  assert.equal(existsSync(volumeFile(plain)), false);
});
