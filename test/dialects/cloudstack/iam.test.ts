import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { CsClient } from '../../support/cs-client.js';
import { captureLog, type CapturedLog } from '../../support/log-capture.js';

let env: TestEnv;
let bob: CsClient;
let logged: CapturedLog;
/** Every secret createApiKey answered, to look for in later answers, the database and the log. */
const secrets: string[] = [];

before(async () => {
  logged = captureLog('trace');
  env = await startTestEnv({}, { log: logged.log });
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

/** Creates a key through alice's account key (or the given client) and returns the apikey object and a client signed with it. */
async function createKey(
  params: Record<string, string>,
  by: CsClient = env.cs,
): Promise<{ apikey: any; client: CsClient }> {
  const apikey = (await by.ok('createApiKey', params)).apikey;
  secrets.push(apikey.secret);
  return { apikey, client: new CsClient(env.app, apikey.key, apikey.secret) };
}

test('createApiKey answers the key, its restrictions and its secret as the seed shows; the key signs requests', async () => {
  const { apikey, client } = await createKey({
    name: 'test',
    operations: 'compute/*,iam/*,sos/listBucket,sos/getObject',
    resources: 'sos/bucket:some-bucket',
  });
  assert.deepEqual(Object.keys(apikey).sort(), ['key', 'name', 'operations', 'resources', 'secret', 'type']);
  assert.match(apikey.key, /^EXO[0-9a-f]{24}$/);
  assert.match(apikey.secret, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(apikey.name, 'test');
  assert.deepEqual(apikey.operations, ['compute/*', 'iam/*', 'sos/listBucket', 'sos/getObject']);
  assert.deepEqual(apikey.resources, ['sos/bucket:some-bucket']);
  assert.equal(apikey.type, 'restricted');
  const vms = await client.call('listVirtualMachines');
  assert.equal(vms.status, 200);
  assert.equal(vms.body.count ?? 0, 0);

  const open = await createKey({ name: 'open' });
  assert.deepEqual(Object.keys(open.apikey).sort(), ['key', 'name', 'secret', 'type']);
  assert.equal(open.apikey.type, 'unrestricted');
  assert.notEqual(open.apikey.key, apikey.key);
  assert.equal((await open.client.call('listZones')).status, 200);

  const xml = await env.cs.call('createApiKey', { name: 'xml' }, { json: false });
  assert.equal(xml.status, 200);
  assert.match(xml.raw, /<createapikeyresponse cloud-stack-version="[^"]+"><apikey><key>EXO[0-9a-f]{24}<\/key>/);
  secrets.push(/<secret>([^<]+)<\/secret>/.exec(xml.raw)![1]!);
  const viaPost = await env.cs.call('createApiKey', { name: 'post', operations: 'dns/*' }, { method: 'POST' });
  assert.equal(viaPost.status, 200);
  assert.deepEqual(viaPost.body.apikey.operations, ['dns/*']);
  secrets.push(viaPost.body.apikey.secret);
});

test('getApiKey and listApiKeys show keys without their secrets', async () => {
  const { apikey } = await createKey({ name: 'shown', operations: 'compute/listZones,compute/listZones,dns/*' });
  assert.deepEqual(apikey.operations, ['compute/listZones', 'dns/*'], 'duplicates dropped');
  const got = await env.cs.call('getApiKey', { key: apikey.key });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, {
    apikey: { key: apikey.key, name: 'shown', operations: ['compute/listZones', 'dns/*'], type: 'restricted' },
  });
  const listed = await env.cs.call('listApiKeys');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.count, listed.body.apikey.length);
  const mine = listed.body.apikey.find((k: any) => k.key === apikey.key);
  assert.deepEqual(mine, got.body.apikey);
  assert.ok(listed.body.apikey.every((k: any) => k.secret === undefined));
  assert.ok(listed.body.apikey.some((k: any) => k.type === 'unrestricted' && k.operations === undefined));
  for (const s of secrets) {
    assert.ok(!listed.raw.includes(s) && !got.raw.includes(s), 'no secret in list or get answers');
  }
  const defaultKey = env.cs.key;
  assert.ok(!listed.body.apikey.some((k: any) => k.key === defaultKey), 'the account key pair is no IAM key');
});

test('bad names, operations and resources are refused with CloudStack parameter errors', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /missing parameter name/i],
    [{ name: '   ' }, /name must not be empty/],
    [{ name: 'k', operations: 'compute/fooBar' }, /Unknown operations: compute\/fooBar/],
    [{ name: 'k', operations: 'storage/*' }, /Unknown operations: storage\/\*/],
    [{ name: 'k', operations: 'compute' }, /Unknown operations: compute/],
    [{ name: 'k', operations: 'compute/*,dns/nothing' }, /Unknown operations: dns\/nothing/],
    [{ name: 'k', operations: 'Compute/listZones' }, /Unknown operations/],
    [{ name: 'k', resources: 'sos/object:x' }, /Unknown resources: sos\/object:x/],
    [{ name: 'k', resources: 'sos/bucket:UPPER' }, /Unknown resources/],
    [{ name: 'k', resources: 'sos/bucket:ab' }, /Unknown resources/],
    [{ name: 'k', resources: 'sos/bucket:192.168.1.1' }, /Unknown resources/],
  ];
  for (const [params, text] of cases) {
    const r = await env.cs.call('createApiKey', params);
    assert.equal(r.status, 431, JSON.stringify(params));
    assert.equal(r.body.errorcode, 431);
    assert.equal(r.body.cserrorcode, 4350);
    assert.match(r.body.errortext, text);
  }
  assert.equal((await env.cs.call('getApiKey', {})).status, 431);
  assert.equal((await env.cs.call('revokeApiKey', {})).status, 431);
});

test("another account's key is not found, and its list is its own", async () => {
  const { apikey } = await createKey({ name: 'alices' });
  for (const command of ['getApiKey', 'revokeApiKey']) {
    const r = await bob.call(command, { key: apikey.key });
    assert.equal(r.status, 431, command);
    assert.match(r.body.errortext, /not found/);
  }
  const listed = await bob.ok('listApiKeys');
  assert.deepEqual(listed, { count: 0, apikey: [] });
  assert.equal((await env.cs.call('getApiKey', { key: apikey.key })).status, 200, 'still alive');
  assert.equal((await env.cs.call('getApiKey', { key: 'EXO000000000000000000000000' })).status, 431);
  assert.equal(
    (await env.cs.call('revokeApiKey', { key: env.cs.key })).status,
    431,
    'the account key pair is no IAM key',
  );
});

test('revokeApiKey: the very next request signed with the key is refused', async () => {
  const { apikey, client } = await createKey({ name: 'doomed', operations: 'compute/*,iam/*' });
  assert.equal((await client.call('listVirtualMachines')).status, 200);
  const r = await env.cs.call('revokeApiKey', { key: apikey.key });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { success: true });
  const after = await client.call('listVirtualMachines');
  assert.equal(after.status, 401);
  assert.equal(after.body.errorcode, 401);
  assert.equal((await env.cs.call('getApiKey', { key: apikey.key })).status, 431);
  assert.ok(!(await env.cs.ok('listApiKeys')).apikey.some((k: any) => k.key === apikey.key));
  assert.equal((await env.cs.call('revokeApiKey', { key: apikey.key })).status, 431, 'revoked once');

  const self = await createKey({ name: 'self', operations: 'iam/revokeApiKey,compute/listZones' });
  assert.equal((await self.client.call('revokeApiKey', { key: self.apikey.key })).status, 200);
  assert.equal((await self.client.call('listZones')).status, 401, 'a key may revoke itself');
});

test('listApiKeyOperations lists what the signing key may do', async () => {
  const all = (await env.cs.ok('listApiKeyOperations')).operations as string[];
  assert.deepEqual(all, [...all].sort(), 'sorted');
  for (const op of ['compute/*', 'dns/*', 'iam/*', 'sos/*', 'compute/deployVirtualMachine', 'compute/listZones'])
    assert.ok(all.includes(op), op);
  for (const op of [
    'iam/createApiKey',
    'iam/revokeApiKey',
    'iam/getApiKey',
    'iam/listApiKeys',
    'iam/listApiKeyOperations',
  ])
    assert.ok(all.includes(op), op);
  for (const op of ['dns/listDnsDomains', 'dns/createDnsDomain', 'sos/getObject', 'compute/createInstancePool'])
    assert.ok(all.includes(op), `${op}: Exoscale operations are known before Nube serves them`);

  const { client } = await createKey({ name: 'ops', operations: 'compute/listZones,iam/*' });
  const some = (await client.ok('listApiKeyOperations')).operations as string[];
  assert.deepEqual(some, [
    'compute/listZones',
    'iam/*',
    'iam/createApiKey',
    'iam/getApiKey',
    'iam/listApiKeyOperations',
    'iam/listApiKeys',
    'iam/revokeApiKey',
  ]);
  const none = await createKey({ name: 'no-iam', operations: 'compute/listZones' });
  const refused = await none.client.call('listApiKeyOperations');
  assert.equal(refused.status, 531);
  assert.equal(refused.body.cserrorcode, 4365);
});

test('a key created by a restricted key inherits its operations and gets none beyond them', async () => {
  const { client } = await createKey({ name: 'creator', operations: 'iam/createApiKey,compute/listZones,dns/*' });
  for (const operations of ['compute/*', 'compute/listZones,iam/*', 'sos/getObject']) {
    const r = await client.call('createApiKey', { name: 'wider', operations });
    assert.equal(r.status, 531, operations);
    assert.equal(r.body.cserrorcode, 4365);
    assert.match(r.body.errortext, /cannot create a key allowed more than itself/);
  }
  const narrower = await client.call('createApiKey', {
    name: 'narrower',
    operations: 'compute/listZones,dns/listDnsDomains',
  });
  assert.equal(narrower.status, 200);
  secrets.push(narrower.body.apikey.secret);
  assert.deepEqual(narrower.body.apikey.operations, ['compute/listZones', 'dns/listDnsDomains']);
  const inherited = await client.call('createApiKey', { name: 'inherits', resources: 'sos/bucket:abc' });
  assert.equal(inherited.status, 200);
  secrets.push(inherited.body.apikey.secret);
  assert.equal(inherited.body.apikey.type, 'restricted');
  assert.deepEqual(inherited.body.apikey.operations, ['iam/createApiKey', 'compute/listZones', 'dns/*']);
  assert.deepEqual(inherited.body.apikey.resources, ['sos/bucket:abc']);
  const child = new CsClient(env.app, inherited.body.apikey.key, inherited.body.apikey.secret);
  assert.equal((await child.call('listZones')).status, 200);
  assert.equal((await child.call('listVirtualMachines')).status, 531);
});

test('secrets are stored sealed and never logged', async () => {
  assert.ok(secrets.length >= 5);
  const creds = await env.rt.store.db.selectFrom('credentials').selectAll().execute();
  const iam = await env.rt.store.db.selectFrom('iam_api_keys').selectAll().execute();
  const stored = JSON.stringify([creds, iam]);
  for (const s of secrets) assert.ok(!stored.includes(s), 'no secret in the clear in the database');
  const lines = logged.lines();
  assert.ok(lines.length > 0, 'the log was captured');
  for (const s of secrets) assert.ok(!lines.some((l) => l.includes(s)), 'no secret in the log');
});
