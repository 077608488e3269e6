import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { canonicalString, computeSignature } from '../../src/dialects/cloudstack/signature.js';

const children: ChildProcess[] = [];
after(() => { for (const c of children) c.kill('SIGKILL'); });

function nube(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', ...args], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000,
  });
}

async function serve(env: Record<string, string>): Promise<{ port: number; out: () => string; child: ChildProcess }> {
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
  return { port, out: () => out, child };
}

function signedUrl(base: string, key: string, secret: string, params: Record<string, string>): string {
  const all = { ...params, apiKey: key };
  const sig = computeSignature(secret, canonicalString(Object.entries(all), { bracketsSafe: false, caseSensitiveSort: false }));
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
    const r = await fetch(signedUrl(cred.cloudstack.endpoint, cred.cloudstack.key, cred.cloudstack.secret, { command: 'listZones', response: 'json' }));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).listzonesresponse.count, 2);
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status, 200);
    assert.ok(!s.out().includes(cred.cloudstack.secret.slice(0, 12)) || s.out().indexOf(cred.cloudstack.secret) === s.out().lastIndexOf(cred.cloudstack.secret), 'the secret is printed once, never logged');
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
    const created = nube(db.env, 'admin', 'account', 'create', 'carol');
    assert.equal(created.status, 0, created.stderr);
    const cred = JSON.parse(created.stdout);
    assert.equal(cred.account, 'carol');
    assert.ok(cred.cloudstack.key && cred.cloudstack.secret && cred.password);
    const dup = nube(db.env, 'admin', 'account', 'create', 'carol');
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /already exists/);
    assert.doesNotMatch(dup.stderr, /\n\s+at /, 'no stack trace');
    const extra = JSON.parse(nube(db.env, 'admin', 'keys', 'create', 'carol').stdout);
    const listed = nube(db.env, 'admin', 'keys', 'list', 'carol');
    assert.equal(JSON.parse(listed.stdout).length, 2);
    assert.ok(!listed.stdout.includes(extra.secret) && !listed.stdout.includes(cred.cloudstack.secret), 'secrets are never listed');

    const s = await serve(db.env);
    const base = `http://127.0.0.1:${s.port}/client/api`;
    const before = await fetch(signedUrl(base, extra.key, extra.secret, { command: 'listZones', response: 'json' }));
    assert.equal(before.status, 200);
    assert.equal(nube(db.env, 'admin', 'keys', 'revoke', extra.key).status, 0);
    await new Promise((r) => setTimeout(r, 2100));
    const afterRevoke = await fetch(signedUrl(base, extra.key, extra.secret, { command: 'listZones', response: 'json' }));
    assert.equal(afterRevoke.status, 401);
    assert.equal((await afterRevoke.json()).listzonesresponse.errorcode, 401);
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
  } finally {
    await db.drop();
  }
});

test('bad configuration is reported in one line', () => {
  const r = nube({ NUBE_LISTEN: 'nonsense' }, 'admin', 'account', 'list');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /NUBE_LISTEN must be HOST:PORT/);
});
