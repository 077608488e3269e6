/** IAM keys through state changes: a reset keeps admin's keys with their restrictions and drops everyone else's; a saved state loaded back brings keys and restrictions back as they were. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { CsClient } from '../../support/cs-client.js';
import { systemContext } from '../../../src/lib/context.js';

let env: TestEnv;
let admin: CsClient;

before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('admin', { admin: true, email: 'admin@nube.local' });
  admin = new CsClient(env.app, a.credentials['api-key-pair'].key, a.credentials['api-key-pair'].secret);
});
after(async () => {
  await env.close();
});

/** A client signed with a new IAM key of by's account. */
async function keyOf(by: CsClient, params: Record<string, string>): Promise<CsClient> {
  const k = (await by.ok('createApiKey', params)).apikey;
  return new CsClient(env.app, k.key, k.secret);
}

test('a saved state loaded back restores IAM keys and their restrictions; keys made after the save are gone', async () => {
  const zonesOnly = await keyOf(env.cs, { name: 'zones', operations: 'compute/listZones' });
  const saved = await env.rt.core.state.save();
  const chunks: Buffer[] = [];
  for await (const c of saved) chunks.push(c as Buffer);
  const later = await keyOf(env.cs, { name: 'later' });
  assert.equal((await later.call('listZones')).status, 200);
  await env.rt.core.state.load(Readable.from([Buffer.concat(chunks)]));
  assert.equal((await later.call('listZones')).status, 401, 'a key made after the save is unknown');
  assert.equal((await zonesOnly.call('listZones')).status, 200);
  assert.equal((await zonesOnly.call('listVolumes')).status, 531, 'still restricted');
  const listed = await env.cs.ok('listApiKeys');
  assert.deepEqual(
    listed.apikey.map((k: any) => k.name),
    ['zones'],
  );
});

test("a reset keeps admin's IAM keys with their restrictions and drops every other account's", async () => {
  const adminKey = await keyOf(admin, { name: 'ops', operations: 'compute/listZones,iam/listApiKeys' });
  const aliceKey = await keyOf(env.cs, { name: 'alice' });
  await env.rt.core.state.reset();
  assert.equal((await aliceKey.call('listZones')).status, 401);
  assert.equal((await adminKey.call('listZones')).status, 200);
  assert.equal((await adminKey.call('listVolumes')).status, 531, 'still restricted');
  const listed = await adminKey.ok('listApiKeys');
  assert.deepEqual(
    listed.apikey.map((k: any) => [k.name, k.operations]),
    [['ops', ['compute/listZones', 'iam/listApiKeys']]],
  );
});

test('deleting an account deletes its IAM keys', async () => {
  const bob = await env.account('bob');
  const bobKey = await keyOf(bob, { name: 'bobs', operations: 'compute/*' });
  assert.equal((await bobKey.call('listZones')).status, 200);
  const bobId = (await env.rt.core.accounts.accountByName('bob')).id;
  await env.rt.core.accounts.deleteAccount({ ...(await adminContext()), origin: 'test' }, 'bob');
  assert.equal((await bobKey.call('listZones')).status, 401);
  const rows = await env.rt.store.db.selectFrom('iam_api_keys').selectAll().where('account_id', '=', bobId).execute();
  assert.deepEqual(rows, []);
});

/** A context of the admin account. */
async function adminContext() {
  const a = await env.rt.core.accounts.accountByName('admin');
  return systemContext(a.id, 'admin');
}
