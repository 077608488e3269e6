import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startTestEnv, type TestEnv } from '../support/runtime.js';

let env: TestEnv;
let base: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'nube-cs-cli-'));
before(async () => {
  env = await startTestEnv();
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (env.app.server.address() as AddressInfo).port;
  const a = await env.rt.core.accounts.createAccount('fred', { password: 'fred-secret-pw' });
  base = { CLOUDSIGMA_URL: `http://127.0.0.1:${port}`, CLOUDSIGMA_USER: a.user.email, CLOUDSIGMA_PASSWORD: 'fred-secret-pw' };
});
after(async () => { await env.close(); rmSync(dir, { recursive: true, force: true }); });

/** Runs the CLI without blocking this process's event loop (the server lives here). */
function nube(stdin: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = execFile(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', 'cloudsigma', ...args],
      { env: { ...process.env, ...base }, encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    p.stdin!.end(stdin ?? '');
  });
}

test('drives create from stdin, list, upload and download a 9 MiB file in chunks with equal bytes; servers info', async () => {
  const made = await nube('name cli-drive\nsize 10M\n', 'drives', 'create');
  assert.equal(made.code, 0, made.stderr);
  const id = /^drive (\S+)$/m.exec(made.stdout)![1]!;
  assert.match(made.stdout, /^size 10485760$/m);
  assert.ok((await nube(undefined, 'drives', 'list')).stdout.split('\n').includes(id));

  const src = join(dir, 'in.img');
  const half = randomBytes(4.5 * 1024 * 1024);
  writeFileSync(src, Buffer.concat([half, Buffer.alloc(4.5 * 1024 * 1024, 7)]));
  const up = await nube(undefined, 'drives', 'upload', id, src);
  assert.equal(up.code, 0, up.stderr);
  const dst = join(dir, 'out.img');
  const down = await nube(undefined, 'drives', 'download', id, dst);
  assert.equal(down.code, 0, down.stderr);
  const got = readFileSync(dst);
  assert.equal(got.length, 10 * 1024 * 1024, 'the whole drive is read');
  assert.ok(got.subarray(0, 9 * 1024 * 1024).equals(readFileSync(src)), 'uploaded bytes come back equal');
  assert.ok(got.subarray(9 * 1024 * 1024).equals(Buffer.alloc(1024 * 1024)), 'the rest of the drive is zeros');

  const s = await nube('name cli-server\ncpu 2000\nmem 1024\n', 'servers', 'create');
  assert.equal(s.code, 0, s.stderr);
  const sid = /^server (\S+)$/m.exec(s.stdout)![1]!;
  assert.match((await nube(undefined, 'servers', 'info', sid)).stdout, /^name cli-server$/m);
  const bad = await nube(undefined, '--password', 'wrong', 'drives', 'list');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /HTTP 401/);
});
