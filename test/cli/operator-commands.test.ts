import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { catalog, deploy } from '../dialects/cloudstack/vm-fixtures.js';
import { buildProgram } from '../../src/cli/main.js';

let env: TestEnv;
let store: Record<string, string>;
let base: string;
before(async () => {
  const key = randomBytes(32).toString('hex');
  env = await startTestEnv({ NUBE_MASTER_KEY: key });
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  store = { NUBE_DATA_DIR: env.config.dataDir, NUBE_MASTER_KEY: key };
  if (env.config.databaseUrl) store.DATABASE_URL = env.config.databaseUrl;
});
after(() => env.close());

/** Runs `nube ARGS...` against the test's store without blocking this process, whose engine carries out the CLI's tasks. */
function nube(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...store };
  for (const k of ['DATABASE_URL', 'NUBE_CONFIG', 'CLOUDSTACK_ENDPOINT', 'CLOUDSTACK_KEY', 'CLOUDSTACK_SECRET'])
    if (!(k in store)) delete childEnv[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/support/cli-main.ts', ...args],
      { env: childEnv, encoding: 'utf8', timeout: 120000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs a command that must succeed and returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await nube(...args);
  assert.equal(r.code, 0, `nube ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a command that must fail with code, with stderr matching message and no stack trace. */
async function fails(code: number, message: RegExp, ...args: string[]): Promise<void> {
  const r = await nube(...args);
  assert.equal(r.code, code, `nube ${args.join(' ')} exits ${code}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('vm list and show print tables and stable JSON; stop and start run through the core; an unknown VM exits 2', async () => {
  const cat = await catalog(env.cs);
  const made = (await deploy(env.cs, cat, { name: 'web-1' })).virtualmachine;
  await deploy(env.cs, cat, { name: 'web-2' });

  const table = await ok('vm', 'list');
  assert.match(table.split('\n')[1]!, /NAME.*ACCOUNT.*STATE.*ZONE/);
  assert.match(table, /│ web-1 +│ alice +│ running/);
  assert.match(table, /│ web-2 +│ alice +│ running/);
  const listed = JSON.parse(await ok('vm', 'list', '--json'));
  assert.deepEqual(
    listed.map((v: any) => [v.name, v.account, v.state]),
    [
      ['web-1', 'alice', 'running'],
      ['web-2', 'alice', 'running'],
    ],
  );
  assert.deepEqual(Object.keys(listed[0]), [
    'id',
    'name',
    'display_name',
    'account',
    'account_id',
    'state',
    'zone',
    'zone_id',
    'host_id',
    'offering',
    'template',
    'cpus',
    'cpu_mhz',
    'memory_mb',
    'root_disk_bytes',
    'ip_addresses',
    'created_at',
  ]);
  const shown = JSON.parse(await ok('vm', 'show', 'web-1', '--json'));
  assert.equal(shown.id, made.id);
  assert.equal(shown.zone, cat.zone.name);
  assert.match(await ok('vm', 'show', made.id), new RegExp(`│ name +│ web-1 +│`));
  await fails(2, /virtual machine nope not found/, 'vm', 'show', 'nope');
  await fails(2, /not found/, 'vm', 'stop', '00000000-0000-4000-8000-000000000000');

  const stopped = JSON.parse(await ok('vm', 'stop', 'web-1', '--force', '--json'));
  assert.equal(stopped.status, 'done');
  assert.equal(stopped.state, 'stopped');
  assert.equal((await env.cs.ok('listVirtualMachines', { id: made.id })).virtualmachine[0].state, 'Stopped');
  assert.match(await ok('vm', 'start', made.id), /│ state +│ running +│/);
  assert.equal((await env.cs.ok('listVirtualMachines', { id: made.id })).virtualmachine[0].state, 'Running');
  const gone = JSON.parse(await ok('vm', 'destroy', 'web-2', '--json'));
  assert.equal(gone.status, 'done');
  assert.deepEqual(
    JSON.parse(await ok('vm', 'list', '--account', 'alice', '--json')).map((v: any) => v.name),
    ['web-1'],
  );
});

test('account list, show and delete; user list and reset-password give a password that logs in through CloudSigma', async () => {
  const olga = await env.rt.core.accounts.createAccount('olga', { password: 'olga-old-password' });
  await env.rt.core.accounts.createUser('olga', 'olga-ops', { password: 'ops-old-password' });

  const accounts = JSON.parse(await ok('account', 'list', '--json'));
  assert.deepEqual(
    accounts.map((a: any) => a.name),
    ['alice', 'olga'],
  );
  assert.deepEqual(Object.keys(accounts[0]), ['id', 'name', 'email', 'type', 'state', 'tier', 'created_at']);
  const shown = await ok('account', 'show', 'olga');
  assert.match(shown, /│ name +│ olga +│/);
  assert.match(shown, /│ users +│ \["olga","olga-ops"\] +│/);
  assert.equal(JSON.parse(await ok('account', 'show', olga.account.id, '--json')).vm_count, 0);
  await fails(2, /account ghost not found/, 'account', 'show', 'ghost');

  const users = JSON.parse(await ok('user', 'list', '--account', 'olga', '--json'));
  assert.deepEqual(
    users.map((u: any) => [u.username, u.account, u.owner]),
    [
      ['olga', 'olga', true],
      ['olga-ops', 'olga', false],
    ],
  );
  assert.ok(!JSON.stringify(users).includes('password'), 'no secret is listed');
  assert.match(await ok('user', 'list'), /│ USERNAME +│ ACCOUNT/);

  const login = (email: string, password: string) =>
    fetch(`${base}/drives/list`, {
      headers: { authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` },
    }).then((r) => r.status);
  assert.equal(await login('olga@nube.local', 'olga-old-password'), 200);
  const reset = JSON.parse(await ok('user', 'reset-password', 'olga', '--json'));
  assert.deepEqual(Object.keys(reset), ['username', 'account', 'email', 'password']);
  assert.ok(reset.password.length >= 16);
  assert.equal(await login('olga@nube.local', reset.password), 200, 'the new password logs in');
  assert.equal(await login('olga@nube.local', 'olga-old-password'), 401, 'the old one no longer does');
  await fails(2, /User not found/, 'user', 'reset-password', 'nobody');

  await fails(2, /Account alice still owns 1 VM, 1 volume; delete or release them first/, 'account', 'delete', 'alice');
  const deleted = JSON.parse(await ok('account', 'delete', 'olga', '--json'));
  assert.equal(deleted.deleted, 'olga');
  assert.equal(await login('olga@nube.local', reset.password), 401, "a deleted account's users cannot log in");
  await fails(2, /account olga not found/, 'account', 'show', 'olga');
});

test('cloudstack sign prints a URL the server accepts, from options or the environment; a wrong secret is refused', async () => {
  const a = await env.rt.core.accounts.createAccount('signer');
  const { key, secret } = a.credentials['api-key-pair'];
  const url = (
    await ok(
      'cloudstack',
      'sign',
      'command=listZones&response=json',
      '--endpoint',
      `${base}/compute`,
      '--key',
      key,
      '--secret',
      secret,
    )
  ).trim();
  assert.ok(url.startsWith(`${base}/compute?`));
  const r = await fetch(url);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).listzonesresponse.count, 2);

  store.CLOUDSTACK_ENDPOINT = `${base}/client/api`;
  store.CLOUDSTACK_KEY = key;
  store.CLOUDSTACK_SECRET = 'not-the-secret';
  try {
    const bad = (await ok('cloudstack', 'sign', 'command=listZones&response=json&name=a b')).trim();
    assert.equal((await fetch(bad)).status, 401);
    store.CLOUDSTACK_SECRET = secret;
    const good = (
      await ok('cloudstack', 'sign', 'command=listZones&response=json&keyword=zone 1', '--expires', '60')
    ).trim();
    assert.match(good, /signatureVersion=3&expires=/);
    assert.equal((await fetch(good)).status, 200);
  } finally {
    delete store.CLOUDSTACK_ENDPOINT;
    delete store.CLOUDSTACK_KEY;
    delete store.CLOUDSTACK_SECRET;
  }
  await fails(1, /No cloudstack credentials/, 'cloudstack', 'sign', 'command=listZones');
});

test('--version, a description on every command and option, completion scripts built from the command tree, usage errors exit 1', async () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal((await ok('--version')).trim(), pkg.version);
  const missing: string[] = [];
  const walk = (c: Command, path: string) => {
    if (!c.description()) missing.push(path);
    for (const o of c.options) if (!o.description) missing.push(`${path} ${o.flags}`);
    for (const s of c.commands) walk(s, `${path} ${s.name()}`);
  };
  walk(buildProgram(), 'nube');
  assert.deepEqual(missing, [], 'every command and option says what it does');

  const bash = await ok('completion', 'bash');
  for (const word of ['vm', 'account', 'user', 'reset-password', 'cloudstack', 'sign', 'upload', '--json'])
    assert.ok(bash.includes(word), `the bash script mentions ${word}`);
  const complete = (words: string) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        'bash',
        ['-c', `${bash}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _nube; echo "\${COMPREPLY[*]}"`],
        (err, out) => (err ? reject(err) : resolve(out.trim())),
      ),
    );
  assert.equal(await complete('nube vm st'), 'start stop');
  assert.equal(await complete('nube user reset-password --j'), '--json');
  assert.equal(await complete('nube cloudsigma --url x drives d'), 'destroy download');
  const zsh = await ok('completion', 'zsh');
  assert.match(zsh, /^#compdef nube/);
  assert.ok(zsh.includes('"cloudstack sign")'));
  await fails(1, /Unknown shell "fish"/, 'completion', 'fish');
  await fails(1, /unknown command 'vms'/, 'vms');
});
