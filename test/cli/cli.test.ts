import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createStore, freshDatabase } from '../support/runtime.js';
import { createRuntime } from '../../src/runtime.js';
import { loadConfig } from '../../src/config.js';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';
import { nube, serve } from '../support/cli-process.js';

function signedUrl(base: string, key: string, secret: string, params: Record<string, string>): string {
  const all = { ...params, apiKey: key };
  const sig = computeSignature(
    secret,
    canonicalString(Object.entries(all), { bracketsSafe: false, caseSensitiveSort: false }),
  );
  return `${base}?${new URLSearchParams({ ...all, signature: sig })}`;
}

test('serve prints credentials once, writes credentials.json 0600, and they work over real HTTP', async () => {
  const db = await freshDatabase();
  try {
    const s = await serve(db.env);
    assert.match(s.out(), /Admin credentials \(shown once/);
    const file = join(db.env.NUBE_DATA_DIR!, 'credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const cred = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(cred.account, 'admin');
    assert.equal(cred.email, 'admin@nube.local');
    assert.equal(cred.cloudstack.endpoint, `http://127.0.0.1:${s.port}/compute`);
    const r = await fetch(
      signedUrl(cred.cloudstack.endpoint, cred.cloudstack.key, cred.cloudstack.secret, {
        command: 'listZones',
        response: 'json',
      }),
    );
    assert.equal(r.status, 200);
    assert.equal((await r.json()).listzonesresponse.count, 2);
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status, 200);
    assert.ok(
      !s.out().includes(cred.cloudstack.secret.slice(0, 12)) ||
        s.out().indexOf(cred.cloudstack.secret) === s.out().lastIndexOf(cred.cloudstack.secret),
      'the secret is printed once, never logged',
    );
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    const again = await serve(db.env);
    assert.doesNotMatch(again.out(), /Admin credentials/, 'credentials are printed on first start only');
    again.child.kill('SIGTERM');
    await new Promise((r) => again.child.once('exit', r));
  } finally {
    await db.drop();
  }
});

test('admin account create prints working credentials; key pairs can be created, listed without secrets and revoked', async () => {
  const db = await freshDatabase();
  try {
    await createStore(db.env);
    const created = nube(db.env, 'admin', 'account', 'create', 'carol');
    assert.equal(created.status, 0, created.stderr);
    const cred = JSON.parse(created.stdout);
    assert.equal(cred.account, 'carol');
    assert.ok(cred.cloudstack.key && cred.cloudstack.secret && cred.password);
    assert.match(cred.danube.url, /^http:\/\/.+\/api$/);
    assert.equal(cred.danube.username, 'carol');
    assert.equal(cred.danube.password, cred.password);
    assert.match(cred.danube.api_key, /^[0-9a-f]{40}$/);
    const dup = nube(db.env, 'admin', 'account', 'create', 'carol');
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /already exists/);
    assert.doesNotMatch(dup.stderr, /\n\s+at /, 'no stack trace');
    const extra = JSON.parse(nube(db.env, 'admin', 'keys', 'create', 'carol').stdout);
    const listed = nube(db.env, 'admin', 'keys', 'list', 'carol');
    assert.equal(JSON.parse(listed.stdout).length, 2);
    assert.ok(
      !listed.stdout.includes(extra.secret) && !listed.stdout.includes(cred.cloudstack.secret),
      'secrets are never listed',
    );

    const s = await serve(db.env);
    const dcs = await fetch(`http://127.0.0.1:${s.port}/api/dc/`, { headers: { 'ES-API-KEY': cred.danube.api_key } });
    assert.equal(dcs.status, 200, 'the printed Danube API key works');
    assert.equal(dcs.headers.get('es_username'), 'carol');
    assert.equal(((await dcs.json()) as { status: string }).status, 'SUCCESS');
    const base = `http://127.0.0.1:${s.port}/client/api`;
    const before = await fetch(signedUrl(base, extra.key, extra.secret, { command: 'listZones', response: 'json' }));
    assert.equal(before.status, 200);
    const revoked = nube(db.env, 'admin', 'keys', 'revoke', extra.key);
    assert.equal(revoked.status, 0, revoked.stderr);
    await new Promise((r) => setTimeout(r, 2100));
    const afterRevoke = await fetch(
      signedUrl(base, extra.key, extra.secret, { command: 'listZones', response: 'json' }),
    );
    assert.equal(afterRevoke.status, 401);
    assert.equal((await afterRevoke.json()).listzonesresponse.errorcode, 401);
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
  } finally {
    await db.drop();
  }
});

test("keys Nube makes never begin with '-', and one that does (chosen by an operator) is revoked from the command line", async () => {
  const db = await freshDatabase();
  try {
    const rt = await createRuntime(loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...db.env }), {
      log: pino({ level: 'silent' }),
    });
    try {
      await rt.core.accounts.createAccount('dana');
      for (let i = 0; i < 200; i++) {
        const { shown } = await rt.core.credentials.issueTo('api-key-pair', 'dana', {});
        assert.ok(!shown.key.startsWith('-') && !shown.secret.startsWith('-'), `${shown.key} ${shown.secret}`);
      }
      await rt.core.credentials.issueTo('api-key-pair', 'dana', {
        given: { apiKey: '-dash-key-0001', apiSecret: '-dash-secret-0001' },
      });
    } finally {
      await rt.close();
    }
    const revoked = nube(db.env, 'admin', 'keys', 'revoke', '-dash-key-0001');
    assert.equal(revoked.status, 0, revoked.stderr);
    const listed = JSON.parse(nube(db.env, 'admin', 'keys', 'list', 'dana').stdout) as {
      key: string;
      revoked: string | null;
    }[];
    assert.ok(listed.find((k) => k.key === '-dash-key-0001')?.revoked, 'the key is revoked');
    assert.equal(listed.filter((k) => k.revoked).length, 1, 'only that key');
  } finally {
    await db.drop();
  }
});

test('bad configuration is reported in one line', () => {
  const r = nube({ NUBE_LISTEN: 'nonsense' }, 'admin', 'account', 'list');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /NUBE_LISTEN must be HOST:PORT/);
});
