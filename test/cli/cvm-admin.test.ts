import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';

const children: ChildProcess[] = [];
after(() => { for (const c of children) c.kill('SIGKILL'); });

function nube(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', ...args], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000,
  });
}

async function serve(env: Record<string, string>): Promise<{ port: number; child: ChildProcess }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', 'serve'], {
    env: { ...process.env, ...env, NUBE_LISTEN: `127.0.0.1:${port}`, NUBE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const deadline = Date.now() + 30000;
  while (!/^Ready\.$/m.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not get ready: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child };
}

const cvmGet = (url: string, pub: string, priv: string) => fetch(url, { headers: { 'API-Public-Token': pub, 'API-Private-Token': priv } });

test('credentials carry a CVM pair; cvm-tokens create, list and revoke work over real HTTP; vps commands check their target', async () => {
  const db = await freshDatabase();
  try {
    const s = await serve(db.env);
    const admin = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
    assert.equal(admin.cvm.url, `http://127.0.0.1:${s.port}/api/client`);
    const listed = await cvmGet(`${admin.cvm.url}/vps/list`, admin.cvm.public, admin.cvm.private);
    assert.equal(listed.status, 200);
    assert.deepEqual(await listed.json(), { response: { vpses: [] } });

    const carol = JSON.parse(nube(db.env, 'admin', 'account', 'create', 'carol').stdout);
    assert.ok(carol.cvm.public && carol.cvm.private);
    const limited = JSON.parse(nube(db.env, 'admin', 'cvm-tokens', 'create', 'carol', '--no-client-api').stdout);
    assert.equal(limited.client_api, false);
    assert.equal((await cvmGet(`${admin.cvm.url}/vps/list`, limited.public, limited.private)).status, 403);
    const list = nube(db.env, 'admin', 'cvm-tokens', 'list', 'carol');
    assert.equal(JSON.parse(list.stdout).length, 2);
    assert.ok(!list.stdout.includes(carol.cvm.private) && !list.stdout.includes(limited.private), 'private tokens are never listed');
    assert.equal(nube(db.env, 'admin', 'cvm-tokens', 'revoke', carol.cvm.public).status, 0);
    assert.equal((await cvmGet(`${admin.cvm.url}/vps/list`, carol.cvm.public, carol.cvm.private)).status, 401);

    const missing = nube(db.env, 'admin', 'vps', 'suspend', '4242');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /not found/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
  } finally {
    await db.drop();
  }
});
