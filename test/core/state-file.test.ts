/** State save and load: GET /admin/state from one store, PUT /admin/state into a fresh one of the same or the other kind gives the same answers through every dialect; damaged, foreign-schema and foreign-key files are refused and change nothing. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { freshDatabase, startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { CsClient } from '../support/cs-client.js';
import { aliceContext } from '../support/receipts.js';
import { catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { parseRecords } from '../../src/lib/sigma-text.js';

const KEY = { NUBE_MASTER_KEY: 'ab'.repeat(32) };
const BYTES = Buffer.from('bytes that travel with the state');
const OFFSET = 3 * 1024 * 1024 + 17;

let source: TestEnv;
let file: Buffer;
let volume: string;
let vmList: unknown;
let snapshots: unknown;
/** Alice's own credentials in the other dialects, and each dialect's list as the source answered it. */
let others: Array<{ name: string; call: (env: TestEnv) => Promise<unknown>; before: unknown }>;

/** HTTP Basic of the admin account every env here gets (its password is the same in each). */
const ADMIN = 'Basic ' + Buffer.from('admin@nube.local:admin-password').toString('base64');

async function withAdmin(env: TestEnv): Promise<void> {
  await env.rt.core.accounts.createAccount('admin', {
    admin: true,
    email: 'admin@nube.local',
    password: 'admin-password',
  });
}

before(async () => {
  source = await startTestEnv(KEY);
  await withAdmin(source);
  const c = await catalog(source.cs);
  const vm = await source.cs.done('deployVirtualMachine', {
    zoneid: c.zone.id,
    serviceofferingid: c.micro.id,
    templateid: c.template.id,
    name: 'web-1',
  });
  await source.cs.ok('createSSHKeyPair', { name: 'deploy-key' });
  const ctx = await aliceContext(source, 'test:state');
  volume = (await source.rt.core.volumes.list(ctx, { vmId: vm.virtualmachine.id })).items[0]!.id;
  await source.rt.core.volumes.write(ctx, volume, OFFSET, BYTES);
  await source.cs.done('createSnapshot', { volumeid: volume, name: 'snap-1' });
  vmList = await source.cs.ok('listVirtualMachines');
  snapshots = await source.cs.ok('listSnapshots');
  others = await otherDialects(source);
  const r = await source.app.inject({ url: '/admin/state', headers: { authorization: ADMIN } });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.headers['content-type'], 'application/x-tar');
  file = r.rawPayload;
});
after(async () => {
  await source.close();
});

/** A JSON answer without what differs between any two reads: counters growing with uptime (traffic) and Danube's per-request task id. */
function steady(text: string): unknown {
  return JSON.parse(text, (k, v) => (/^(traffic_.*_used|traffic_used|tx|rx|task_id)$/.test(k) ? undefined : v));
}

/** Alice's VM list through CloudSigma, CVM, Danube and REST, each signed with a credential issued to her before the save. */
async function otherDialects(
  env: TestEnv,
): Promise<Array<{ name: string; call: (e: TestEnv) => Promise<unknown>; before: unknown }>> {
  const issue = env.rt.core.credentials;
  await issue.issueTo('password', 'alice', { password: 'alice-password-1' });
  const email = (
    await env.rt.store.db.selectFrom('users').select('email').where('username', '=', 'alice').executeTakeFirstOrThrow()
  ).email;
  const cvm = (await issue.issueTo('token-pair', 'alice', {})).shown;
  const rest = (await issue.issueTo('api-token', 'alice', { role: 'admin' })).shown;
  const danube = (await issue.issueTo('user-api-key', 'alice', {})).shown;
  const get = (url: string, headers: Record<string, string>) => async (e: TestEnv) => {
    const r = await e.app.inject({ url, headers });
    assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 200)}`);
    return /json/.test(String(r.headers['content-type']))
      ? steady(r.body)
      : steady(JSON.stringify(parseRecords(r.body)));
  };
  const calls = [
    {
      name: 'CloudSigma',
      call: get('/servers/info', {
        authorization: 'Basic ' + Buffer.from(`${email}:alice-password-1`).toString('base64'),
        accept: 'application/json',
      }),
    },
    {
      name: 'CVM',
      call: get('/api/client/vps/list', { 'API-Public-Token': cvm.public, 'API-Private-Token': cvm.private }),
    },
    { name: 'REST', call: get('/api/v1/vps', { authorization: `Bearer ${rest.token}`, accept: 'application/json' }) },
    { name: 'Danube', call: get('/api/vm/?full=true', { 'ES-API-KEY': danube.apiKey, accept: 'application/json' }) },
  ];
  return Promise.all(calls.map(async (c) => ({ ...c, before: await c.call(env) })));
}

/** A fresh env on a store of this kind (with the source's master key unless told), with an admin to call the admin API. */
async function target(
  kind: 'sqlite' | 'postgres',
  env: Record<string, string> = KEY,
): Promise<TestEnv & { done(): Promise<void> }> {
  const db = await freshDatabase(kind);
  const t = await startTestEnv({ ...env, ...db.env, ...(kind === 'sqlite' ? { DATABASE_URL: '' } : {}) });
  await withAdmin(t);
  return Object.assign(t, {
    async done() {
      await t.close();
      await db.drop();
    },
  });
}

async function load(env: TestEnv, body: Buffer) {
  return env.app.inject({
    method: 'PUT',
    url: '/admin/state',
    payload: body,
    headers: { authorization: ADMIN, 'content-type': 'application/x-tar' },
  });
}

/** Checks the loaded env answers as the source did: alice's key, VM list, snapshots and the volume's bytes. */
async function sameAnswers(t: TestEnv): Promise<void> {
  const alice = new CsClient(t.app, source.cs.key, source.cs.secret);
  assert.deepEqual(await alice.ok('listVirtualMachines'), vmList);
  assert.deepEqual(await alice.ok('listSnapshots'), snapshots);
  assert.equal((await alice.ok('listSSHKeyPairs')).sshkeypair[0].name, 'deploy-key');
  const ctx = await aliceContext(t, 'test:state');
  assert.deepEqual(await t.rt.core.volumes.read(ctx, volume, OFFSET, BYTES.length), BYTES);
  assert.deepEqual(await t.rt.core.volumes.read(ctx, volume, 0, 4096), Buffer.alloc(4096));
  assert.equal((await alice.ok('listVirtualMachines')).virtualmachine[0].name, 'web-1');
  for (const o of others) assert.deepEqual(await o.call(t), o.before, `${o.name} answers as before the save`);
}

for (const kind of [TEST_DB, TEST_DB === 'sqlite' ? 'postgres' : 'sqlite'] as const) {
  test(`a state saved on ${TEST_DB} loads into a fresh ${kind} store with the same answers, volume and snapshot bytes included`, async () => {
    const t = await target(kind);
    try {
      const r = await load(t, file);
      assert.equal(r.statusCode, 200, r.body);
      assert.ok(r.json().loaded.volumes >= 1);
      assert.ok(r.json().loaded.files >= 1, 'the snapshot file travels');
      await sameAnswers(t);
      // The loaded store goes on working: the same VM stops through its task engine.
      const alice = new CsClient(t.app, source.cs.key, source.cs.secret);
      const vmId = (vmList as any).virtualmachine[0].id;
      assert.equal((await alice.done('stopVirtualMachine', { id: vmId })).virtualmachine.state, 'Stopped');
      // New VMs are numbered after the loaded ones (a serial taken again would fail the deploy).
      const c = await catalog(alice);
      const args = { zoneid: c.zone.id, serviceofferingid: c.micro.id, templateid: c.template.id, name: 'web-2' };
      assert.equal((await alice.done('deployVirtualMachine', args)).virtualmachine.state, 'Running');
      const serials = await t.rt.store.db.selectFrom('vms').select(['name', 'serial']).orderBy('serial').execute();
      assert.deepEqual(
        serials.map((r) => [r.name, Number(r.serial)]),
        [
          ['web-1', 1],
          ['web-2', 2],
        ],
      );
      assert.equal((await t.app.inject({ url: '/admin/state', headers: { authorization: ADMIN } })).statusCode, 200);
    } finally {
      await t.done();
    }
  });
}

/** The archive with entry name's bytes changed by edit (other entries as they were, manifest included). */
async function rewrite(archive: Buffer, name: string, edit: (b: Buffer) => Buffer): Promise<Buffer> {
  const entries: Array<{ name: string; body: Buffer }> = [];
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => {
      const body = Buffer.concat(parts);
      entries.push({ name: h.name, body: h.name === name ? edit(body) : body });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    Readable.from([archive]).pipe(ex);
  });
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.body.length }, e.body);
  pack.finalize();
  const out: Buffer[] = [];
  for await (const c of pack) out.push(c as Buffer);
  return Buffer.concat(out);
}

test('a damaged file, one from another schema and one sealed under another master key are refused with one line; nothing changes', async () => {
  const t = await target(TEST_DB);
  try {
    const before = await t.cs.ok('listVirtualMachines');
    const tampered = await rewrite(file, 'tables/vms.jsonl', (b) =>
      Buffer.from(b.toString().replace('web-1', 'web-2')),
    );
    const bad = await load(t, tampered);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error, /^The state file was refused: the checksum of tables\/vms\.jsonl does not match/);
    const future = await rewrite(file, 'manifest.json', (b) => {
      const m = JSON.parse(b.toString());
      m.schema_version = '9999-future';
      return Buffer.from(JSON.stringify(m));
    });
    const schema = await load(t, future);
    assert.equal(schema.statusCode, 400);
    assert.match(schema.json().error, /saved at schema 9999-future and this store is at \d{4}-/);
    assert.doesNotMatch(schema.json().error, /\n/);
    const junk = await load(t, Buffer.from('not a tar file at all'.repeat(40)));
    assert.equal(junk.statusCode, 400);
    assert.deepEqual(await t.cs.ok('listVirtualMachines'), before, 'a refused file changes nothing');
  } finally {
    await t.done();
  }
  const other = await target(TEST_DB, { NUBE_MASTER_KEY: 'cd'.repeat(32) });
  try {
    const r = await load(other, file);
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error, /sealed under another master key; load it where NUBE_MASTER_KEY is the master key/);
  } finally {
    await other.done();
  }
});
