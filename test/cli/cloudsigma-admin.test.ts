import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createStore, freshDatabase } from '../support/runtime.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { SigmaClient } from '../dialects/cloudsigma/sigma-client.js';
import { nube } from '../support/cli-process.js';

test('admin account create prints a cloudsigma block that logs in; ip-pool set and billing credit show through the API', async () => {
  const db = await freshDatabase();
  const env = db.env;
  try {
    await createStore(env);
    const created = nube(env, 'admin', 'account', 'create', 'erin', '--email', 'erin@example.com');
    assert.equal(created.status, 0, created.stderr);
    const cred = JSON.parse(created.stdout);
    assert.equal(cred.cloudsigma.user, 'erin@example.com');
    assert.equal(cred.cloudsigma.password, cred.password);
    assert.match(cred.cloudsigma.url, /^http:\/\//);
    const set = nube(
      env,
      'admin',
      'ip-pool',
      'set',
      'ch-gva-2',
      '--gateway',
      '203.0.113.1',
      '--nameservers',
      '203.0.113.53,203.0.113.54',
    );
    assert.equal(set.status, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).gateway, '203.0.113.1');
    assert.notEqual(nube(env, 'admin', 'ip-pool', 'set', 'ch-gva-2', '--gateway', 'nonsense').status, 0);
    assert.equal(nube(env, 'admin', 'billing', 'credit', 'erin', '25.50').status, 0);

    const rt = await createRuntime(loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...env }), {
      startEngine: true,
      log: pino({ level: 'silent' }),
    });
    const app = await buildApp({ core: rt.core, readiness: { ready: () => true }, log: rt.log });
    try {
      const c = new SigmaClient(app, cred.cloudsigma.user, cred.cloudsigma.password);
      assert.equal((await c.get('/profile/info')).record.email, 'erin@example.com');
      assert.equal((await c.get('/balance/info')).record.balance, '25.50');
      const info = (await c.req('GET', '/resources/ip/create')).record;
      assert.equal(info.gateway, '203.0.113.1');
      assert.equal(info.nameserver, '203.0.113.53 203.0.113.54');
      assert.equal((await new SigmaClient(app, cred.cloudsigma.user, 'wrong').req('GET', '/profile/info')).status, 401);
    } finally {
      await app.close();
      await rt.close();
    }
  } finally {
    await db.drop();
  }
});
