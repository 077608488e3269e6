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
  base = {
    CLOUDSIGMA_URL: `http://127.0.0.1:${port}`,
    CLOUDSIGMA_USER: a.user.email,
    CLOUDSIGMA_PASSWORD: 'fred-secret-pw',
  };
});
after(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process's event loop (the server lives here). */
function nube(stdin: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = execFile(
      process.execPath,
      ['--import', 'tsx', 'test/support/cli-main.ts', 'cloudsigma', ...args],
      { env: { ...process.env, ...base }, encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 26 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
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
  const asJson = async (...args: string[]) => JSON.parse((await nube(undefined, ...args, '--json')).stdout);
  assert.equal((await asJson('servers', 'info', sid)).name, 'cli-server', '--json gives the record as an object');
  assert.ok(
    (await asJson('servers', 'info')).some((r: any) => r.server === sid),
    'and every server as a list',
  );
  assert.ok((await asJson('drives', 'list')).includes(id), 'and a list of UUIDs as an array');
  assert.equal((await asJson('drives', 'info', id)).size, '10485760');
  const bad = await nube(undefined, '--password', 'wrong', 'drives', 'list');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /HTTP 401/);
});

test('upload of a file larger than the room left on the drive is refused before any byte is written', async () => {
  const made = await nube('name small-drive\nsize 6M\n', 'drives', 'create');
  const id = /^drive (\S+)$/m.exec(made.stdout)![1]!;
  const fits = join(dir, 'fits.img');
  const pattern = randomBytes(6 * 1024 * 1024);
  writeFileSync(fits, pattern);
  assert.equal((await nube(undefined, 'drives', 'upload', id, fits)).code, 0, 'a file of exactly the drive size fits');
  const big = join(dir, 'big.img');
  writeFileSync(big, Buffer.alloc(9 * 1024 * 1024, 0xee));
  const refused = await nube(undefined, 'drives', 'upload', id, big);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /does not fit on drive .*6291456 bytes.*nothing was written/);
  const small = join(dir, 'small.img');
  writeFileSync(small, Buffer.alloc(2 * 1024 * 1024, 0xdd));
  const late = await nube(undefined, 'drives', 'upload', '--offset', String(5 * 1024 * 1024), id, small);
  assert.notEqual(late.code, 0, 'offset + file size past the end is refused too');
  assert.match(late.stderr, /at offset 5242880/);
  const back = join(dir, 'back.img');
  assert.equal((await nube(undefined, 'drives', 'download', id, back)).code, 0);
  assert.ok(readFileSync(back).equals(pattern), 'the drive bytes are unchanged');
  const inside = await nube(undefined, 'drives', 'upload', '--offset', String(4 * 1024 * 1024), id, small);
  assert.equal(inside.code, 0, inside.stderr);
  assert.equal((await nube(undefined, 'drives', 'download', id, back)).code, 0);
  assert.ok(
    readFileSync(back)
      .subarray(4 * 1024 * 1024)
      .equals(readFileSync(small)),
    'an offset upload that fits lands at the offset',
  );
});

test('servers start, stop and destroy and drives destroy act through the API; what is gone is a refusal (exit 2)', async () => {
  const s = await nube('name cli-power\ncpu 1000\nmem 512\n', 'servers', 'create');
  assert.equal(s.code, 0, s.stderr);
  const sid = /^server (\S+)$/m.exec(s.stdout)![1]!;
  const state = async () => /^status (\S+)$/m.exec((await nube(undefined, 'servers', 'info', sid)).stdout)?.[1];
  assert.equal((await nube(undefined, 'servers', 'start', sid)).code, 0);
  assert.equal(await state(), 'active');
  assert.equal((await nube(undefined, 'servers', 'stop', sid)).code, 0);
  assert.equal(await state(), 'stopped');
  assert.equal((await nube(undefined, 'servers', 'destroy', sid)).code, 0);
  const gone = await nube(undefined, 'servers', 'info', sid);
  assert.equal(gone.code, 2, gone.stderr);
  assert.match(gone.stderr, /HTTP 404/);

  const d = await nube('name cli-doomed\nsize 1M\n', 'drives', 'create');
  const did = /^drive (\S+)$/m.exec(d.stdout)![1]!;
  assert.equal((await nube(undefined, 'drives', 'destroy', did)).code, 0);
  assert.ok(!(await nube(undefined, 'drives', 'list')).stdout.split('\n').includes(did), 'the drive is gone');
});
