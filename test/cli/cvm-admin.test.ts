import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { nube, serve } from '../support/cli-process.js';

const cvmGet = (url: string, pub: string, priv: string) =>
  fetch(url, { headers: { 'API-Public-Token': pub, 'API-Private-Token': priv } });

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
    assert.ok(
      !list.stdout.includes(carol.cvm.private) && !list.stdout.includes(limited.private),
      'private tokens are never listed',
    );
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
