import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startTestEnv, type TestEnv } from '../support/runtime.js';

const MiB = 1024 * 1024;
let env: TestEnv;
let upstream: string;
let proxy: Server;
let creds: Record<string, string>;
/** Writes the proxy answers with 503 instead of passing on, by drive offset: how many more times. */
const failures = new Map<number, number>();
/** The writes that reached the server: drive offset and content encoding. */
let writes: Array<{ offset: number; encoding: string }> = [];
const dir = mkdtempSync(join(tmpdir(), 'nube-cs-transfer-'));

before(async () => {
  env = await startTestEnv();
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  upstream = `127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  await env.rt.core.accounts.createAccount('gina', { password: 'gina-secret-pw' });
  // A small proxy in front of the server that fails chosen chunk writes, as a flaky network or server would.
  proxy = createServer((req, res) => {
    const m = /^\/drives\/[^/]+\/write\/(\d+)$/.exec(req.url ?? '');
    const offset = m ? Number(m[1]) : -1;
    const left = failures.get(offset) ?? 0;
    if (m && left > 0) {
      failures.set(offset, left - 1);
      req.resume();
      req.on('end', () => res.writeHead(503, { 'content-type': 'text/plain' }).end('injected failure'));
      return;
    }
    if (m) writes.push({ offset, encoding: String(req.headers['content-encoding'] ?? '') });
    const [host, port] = upstream.split(':');
    const up = request({ host, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  creds = {
    CLOUDSIGMA_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    CLOUDSIGMA_USER: 'gina@nube.local',
    CLOUDSIGMA_PASSWORD: 'gina-secret-pw',
  };
});
after(async () => {
  await new Promise((r) => proxy.close(r));
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `nube cloudsigma ARGS...` without blocking this process (the server and the proxy live here). */
function nube(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/support/cli-main.ts', 'cloudsigma', ...args],
      { env: { ...process.env, ...creds }, encoding: 'utf8', timeout: 120000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Creates a drive of the given size through the API and returns its UUID. */
async function drive(name: string, size: string): Promise<string> {
  const r = await fetch(`${creds.CLOUDSIGMA_URL}/drives/create`, {
    method: 'POST',
    body: `name ${name}\nsize ${size}\n`,
    headers: { authorization: `Basic ${Buffer.from('gina@nube.local:gina-secret-pw').toString('base64')}` },
  });
  assert.equal(r.status, 200);
  return /^drive ([0-9a-f-]{36})$/m.exec(await r.text())![1]!;
}

/** A file of random bytes. */
function randomFile(name: string, size: number): string {
  const file = join(dir, name);
  writeFileSync(file, randomBytes(size));
  return file;
}

test('a raw upload retries a chunk that failed once and lands intact; download gives exactly --length bytes', async () => {
  const id = await drive('raw-drive', '16M');
  const size = 9 * MiB + 123;
  const src = randomFile('raw.bin', size);
  writes = [];
  failures.set(4 * MiB, 1);
  const up = await nube('drives', 'upload', id, src, '--raw', '--retry-delay', '10');
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /writing the chunk at 4194304 failed .*HTTP 503.*retry 1 of 3/);
  assert.deepEqual(
    writes.map((w) => w.offset),
    [0, 4 * MiB, 8 * MiB],
  );
  assert.ok(
    writes.every((w) => w.encoding === ''),
    'raw chunks are sent uncompressed',
  );

  const back = join(dir, 'raw-back.bin');
  const down = await nube('drives', 'download', id, back, '--length', String(size));
  assert.equal(down.code, 0, down.stderr);
  assert.equal(statSync(back).size, size, 'the file is exactly --length bytes');
  assert.ok(readFileSync(back).equals(readFileSync(src)), 'the bytes read back are the bytes written');
  const whole = join(dir, 'raw-whole.bin');
  assert.equal((await nube('drives', 'download', id, whole, '--offset', String(MiB))).code, 0);
  assert.equal(statSync(whole).size, 15 * MiB, 'without --length: the rest of the drive from --offset');
  assert.ok(
    readFileSync(whole)
      .subarray(0, size - MiB)
      .equals(readFileSync(src).subarray(MiB)),
  );
});

test('a chunk that keeps failing stops the upload with exit 3 and the resume point; --from and --resume finish it', async () => {
  const id = await drive('flaky-drive', '12M');
  const size = 10 * MiB;
  const src = randomFile('flaky.bin', size);
  writes = [];
  failures.set(4 * MiB, 100);
  const first = await nube('drives', 'upload', id, src, '--retries', '1', '--retry-delay', '10');
  assert.equal(first.code, 3, first.stderr);
  assert.match(first.stderr, /HTTP 503.*the first 4194304 bytes of .* are on the drive: run again with --from 4194304/);
  assert.doesNotMatch(first.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(
    writes.map((w) => [w.offset, w.encoding]),
    [[0, 'gzip']],
  );

  failures.set(4 * MiB, 0);
  failures.set(8 * MiB, 100);
  writes = [];
  const second = await nube('drives', 'upload', id, src, '--from', String(4 * MiB), '--retries', '0');
  assert.equal(second.code, 3, second.stderr);
  assert.match(second.stderr, /run again with --from 8388608/);
  assert.deepEqual(
    writes.map((w) => w.offset),
    [4 * MiB],
    '--from starts at that byte of the file',
  );

  failures.set(8 * MiB, 0);
  writes = [];
  const third = await nube('drives', 'upload', id, src, '--resume');
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /the drive already holds the first 8388608 bytes/);
  assert.deepEqual(
    writes.map((w) => w.offset),
    [8 * MiB],
    '--resume writes only what the drive lacks',
  );
  const back = join(dir, 'flaky-back.bin');
  assert.equal((await nube('drives', 'download', id, back, '--length', String(size))).code, 0);
  assert.ok(readFileSync(back).equals(readFileSync(src)));

  const missing = await nube('drives', 'upload', '00000000-0000-4000-8000-000000000000', src);
  assert.equal(missing.code, 2, 'a drive the server does not know is a refusal (exit 2)');
  assert.match(missing.stderr, /HTTP 404/);
});
