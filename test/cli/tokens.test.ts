import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { freshDatabase } from '../support/runtime.js';
import { nube, serve } from '../support/cli-process.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { ROLES } from '../../src/core/permissions.js';

const TOKEN = /^[0-9]+\|[A-Za-z0-9]{40}$/;

/** Runs a nube command expected to fail; its stderr (checked to hold no stack trace). */
function refused(env: Record<string, string>, ...args: string[]): string {
  const r = nube(env, ...args);
  assert.notEqual(r.status, 0, `${args.join(' ')} fails`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stderr;
}

/** Runs a nube command expected to succeed; its JSON output. */
function ok(env: Record<string, string>, ...args: string[]) {
  const r = nube(env, ...args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('credentials carry a REST token; admin tokens create, list and revoke; set-tier', async () => {
  const db = await freshDatabase();
  try {
    const s = await serve(db.env);
    const admin = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
    assert.equal(admin.rest.url, `http://127.0.0.1:${s.port}/api/v1`);
    assert.match(admin.rest.token, TOKEN);
    const carol = ok(db.env, 'admin', 'account', 'create', 'carol');
    assert.equal(carol.rest.url, 'http://127.0.0.1:8080/api/v1', 'under the public URL of the CLI (its NUBE_LISTEN)');
    assert.match(carol.rest.token, TOKEN);
    assert.notEqual(carol.rest.token, admin.rest.token);

    const expires = new Date(Date.now() + 7 * 86400_000).toISOString();
    const ci = ok(
      db.env,
      ...['admin', 'tokens', 'create', 'carol', '--scopes', 'vps:read,firewall:write', '--name', 'ci'],
      ...['--expires', expires],
    );
    assert.match(ci.token, TOKEN);
    assert.deepEqual(
      { id: ci.id, name: ci.name, permissions: ci.permissions, expires_at: ci.expires_at },
      {
        id: Number(ci.token.split('|')[0]),
        name: 'ci',
        permissions: ['vps:read', 'firewall:write'],
        expires_at: expires,
      },
    );
    const editor = ok(db.env, 'admin', 'tokens', 'create', 'carol', '--role', 'editor');
    assert.deepEqual(editor.permissions, [...ROLES.editor]);
    const plain = ok(db.env, 'admin', 'tokens', 'create', 'carol');
    assert.deepEqual(plain.permissions, ['vps:read', 'database:read', 'cache:read', 'storage:read']);
    assert.match(refused(db.env, 'admin', 'tokens', 'create', 'carol', '--scopes', 'vps:fly'), /vps:fly/);

    const list = nube(db.env, 'admin', 'tokens', 'list', 'carol');
    const listed = JSON.parse(list.stdout) as Array<{ id: number; name: string; revoked_at: string | null }>;
    assert.deepEqual(
      listed.map((t) => t.name),
      ['default', 'ci', 'token', 'token'],
    );
    for (const t of [carol.rest.token, ci.token, editor.token, plain.token])
      assert.ok(!list.stdout.includes(t.split('|')[1]), 'secrets are never listed');

    assert.deepEqual(ok(db.env, 'admin', 'tokens', 'revoke', String(ci.id)), { revoked: ci.id });
    assert.deepEqual(ok(db.env, 'admin', 'tokens', 'revoke', editor.token), { revoked: editor.id });
    assert.match(refused(db.env, 'admin', 'tokens', 'revoke', String(ci.id)), /not found/);
    const after = ok(db.env, 'admin', 'tokens', 'list', 'carol') as typeof listed;
    assert.deepEqual(
      after.filter((t) => t.revoked_at).map((t) => t.id),
      [ci.id, editor.id],
    );

    assert.deepEqual(ok(db.env, 'admin', 'account', 'set-tier', 'carol', 'starter'), {
      account: 'carol',
      tier: 'starter',
    });
    assert.match(refused(db.env, 'admin', 'account', 'set-tier', 'carol', 'gold'), /Unknown tier gold/);
    const accounts = ok(db.env, 'admin', 'account', 'list') as Array<{ name: string; tier: string }>;
    assert.deepEqual(
      accounts.map((a) => [a.name, a.tier]),
      [
        ['admin', 'pro'],
        ['carol', 'starter'],
      ],
    );
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));

    const rt = await createRuntime(loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...db.env }), {
      log: pino({ level: 'silent' }),
      existing: true,
    });
    try {
      const tokens = rt.core.credentials.issuers['api-token'];
      const adminAuth = await tokens.verify(admin.rest.token, '127.0.0.1');
      assert.equal(adminAuth?.principal.account.name, 'admin');
      assert.equal(adminAuth?.permissions, undefined, "the admin's default token is unrestricted");
      assert.equal(await tokens.verify(ci.token, '127.0.0.1'), undefined, 'revoked by id');
      assert.equal(await tokens.verify(editor.token, '127.0.0.1'), undefined, 'revoked by token');
      const live = await tokens.verify(plain.token, '127.0.0.1');
      assert.equal(live?.principal.account.name, 'carol');
      assert.deepEqual([...live!.permissions!], plain.permissions);
      assert.equal((await rt.core.rateLimits.hit(live!.principal.account.id))?.limit, 120, 'starter: 120 a minute');
    } finally {
      await rt.close();
    }
  } finally {
    await db.drop();
  }
});
