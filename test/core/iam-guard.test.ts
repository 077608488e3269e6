import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { CoreError } from '../../src/lib/errors.js';
import { systemContext, type CallContext } from '../../src/lib/context.js';

let env: TestEnv;
let base: CallContext;

before(async () => {
  env = await startTestEnv();
  const made = await env.rt.core.accounts.createAccount('carol');
  base = { ...systemContext(made.account.id, 'carol', 'test'), isAdmin: false, userId: made.user.id };
});
after(async () => {
  await env.close();
});

/** What calling fn threw: the CoreError's kind and reason, or 'none'. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'none';
  } catch (err) {
    assert.ok(err instanceof CoreError, String(err));
    return `${err.kind}:${err.reason}`;
  }
}

test('the core refuses a restricted key any service call whose operation it lacks or that names none', async () => {
  const operations = new Set(['compute/*', 'iam/listApiKeys']);
  const calls: Array<[string, (ctx: CallContext) => Promise<unknown>]> = [
    ['vms.list', (ctx) => env.rt.core.vms.list(ctx)],
    ['sshKeys.list', (ctx) => env.rt.core.sshKeys.list(ctx)],
    ['iam.list', (ctx) => env.rt.core.iam.list(ctx)],
  ];
  for (const [name, call] of calls) {
    assert.equal(
      await outcome(() => call({ ...base, operations })),
      'Forbidden:permission',
      `${name}: no operation named`,
    );
    assert.equal(
      await outcome(() => call({ ...base, operations, operation: 'dns/listDnsDomains' })),
      'Forbidden:permission',
      `${name}: an operation the key lacks`,
    );
  }
  assert.equal(
    await outcome(() => env.rt.core.vms.list({ ...base, operations, operation: 'compute/anything' })),
    'none',
  );
  assert.equal(
    await outcome(() => env.rt.core.iam.list({ ...base, operations, operation: 'iam/listApiKeys' })),
    'none',
  );
  assert.equal(
    await outcome(() => env.rt.core.vms.list({ ...base, operation: 'dns/whatever' })),
    'none',
    'unrestricted',
  );
  assert.equal(
    await outcome(() => env.rt.core.vms.list({ ...base, operations: new Set(), operation: 'compute/listZones' })),
    'Forbidden:permission',
    'a key with no operations may do nothing',
  );
});

test('a REST token with scopes cannot reach IAM keys at all', async () => {
  const ctx: CallContext = { ...base, permissions: new Set(['vps:read', 'vps:write', 'vps:delete']) };
  assert.equal(await outcome(() => env.rt.core.iam.list(ctx)), 'Forbidden:permission');
  assert.equal(await outcome(() => env.rt.core.iam.create(ctx, { name: 'x' }, [])), 'Forbidden:permission');
});

test('keys created by operator tooling belong to the account and carry their operations into verification', async () => {
  const made = await env.rt.core.iam.create(base, { name: 'tool', operations: ['compute/listZones'] }, [
    'compute/listZones',
  ]);
  const verified = await env.rt.core.credentials.issuers['api-key-pair'].verify(
    { key: made.key, check: (secret) => secret === made.secret },
    '127.0.0.1',
  );
  assert.ok(verified);
  assert.equal(verified.account.name, 'carol');
  assert.deepEqual([...(verified.operations ?? [])], ['compute/listZones']);
  const open = await env.rt.core.iam.create(systemContext(base.accountId), { name: 'open' }, []);
  const openVerified = await env.rt.core.credentials.issuers['api-key-pair'].verify(
    { key: open.key, check: (secret) => secret === open.secret },
    '127.0.0.1',
  );
  assert.ok(openVerified);
  assert.equal(openVerified.operations, undefined);
});
