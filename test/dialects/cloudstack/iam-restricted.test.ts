import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { CsClient } from '../../support/cs-client.js';
import { allCommands } from '../../../src/dialects/cloudstack/commands/index.js';
import { operationCatalog, operationOf, serviceOf } from '../../../src/dialects/cloudstack/iam-operations.js';

let env: TestEnv;
/** An admin account's key pair, so that admin-only commands are reached too. */
let root: CsClient;

before(async () => {
  env = await startTestEnv();
  const made = await env.rt.core.accounts.createAccount('root', { admin: true });
  root = new CsClient(env.app, made.credentials['api-key-pair'].key, made.credentials['api-key-pair'].secret);
});
after(async () => {
  await env.close();
});

/** A client signed with a new key of root's restricted to operations. */
async function restrictedTo(operations: string): Promise<CsClient> {
  const k = (await root.ok('createApiKey', { name: operations, operations })).apikey;
  return new CsClient(env.app, k.key, k.secret);
}

/** True when an answer is the permission error of a restricted key. */
function refused(r: { status: number; body: any }): boolean {
  return r.status === 531 && r.body?.errorcode === 531 && r.body?.cserrorcode === 4365;
}

test('every command names its operation under its service, and every operation is in the catalog', () => {
  const commands = allCommands();
  const catalog = new Set(operationCatalog(commands));
  for (const c of commands) {
    const op = operationOf(c);
    assert.ok(catalog.has(op), op);
    const expected = /DnsDomain/.test(c.name) ? 'dns' : /ApiKey/.test(c.name) ? 'iam' : 'compute';
    assert.equal(serviceOf(c), expected, c.name);
    assert.equal(op, `${expected}/${c.name}`);
  }
});

test('a key allowed only dns/listDnsDomains gets the permission error from every other command', async () => {
  const dnsOnly = await restrictedTo('dns/listDnsDomains');
  let checked = 0;
  for (const c of allCommands()) {
    const r = await dnsOnly.call(c.name);
    if (operationOf(c) === 'dns/listDnsDomains') {
      assert.ok(!refused(r), `${c.name} is allowed: ${r.raw}`);
      continue;
    }
    assert.ok(refused(r), `${c.name} must be refused: HTTP ${r.status} ${r.raw}`);
    assert.equal(r.body.errortext, `This API key is not allowed to perform ${operationOf(c)}`);
    checked++;
  }
  assert.ok(checked >= 80, `${checked} commands checked`);
  const xml = await dnsOnly.call('listZones', {}, { json: false });
  assert.equal(xml.status, 531);
  assert.match(xml.raw, /<errorcode>531<\/errorcode><cserrorcode>4365<\/cserrorcode>/);
  const post = await dnsOnly.call('deployVirtualMachine', {}, { method: 'POST' });
  assert.ok(refused(post), 'POST is checked alike');
});

test('a compute/* key passes the check for every compute command and is refused the others', async () => {
  const compute = await restrictedTo('compute/*');
  let passed = 0;
  for (const c of allCommands()) {
    const r = await compute.call(c.name);
    if (serviceOf(c) === 'compute') {
      assert.ok(!refused(r), `${c.name} passes the check: HTTP ${r.status} ${r.raw}`);
      assert.ok(r.status < 530, `${c.name} answers without an internal error: HTTP ${r.status} ${r.raw}`);
      passed++;
    } else {
      assert.ok(refused(r), `${c.name} is not compute and must be refused: HTTP ${r.status} ${r.raw}`);
    }
  }
  assert.ok(passed >= 75, `${passed} compute commands passed`);
});

test('a key allowed single operations can call those and nothing else, on its own account only', async () => {
  const k = await restrictedTo('compute/listZones,compute/listVirtualMachines');
  const zones = await k.call('listZones');
  assert.equal(zones.status, 200);
  assert.ok(zones.body.count >= 1);
  assert.equal((await k.call('listVirtualMachines')).status, 200);
  assert.ok(refused(await k.call('listVolumes')));
  assert.ok(refused(await k.call('listApiKeys')));
  const theirs = await env.cs.call('listVirtualMachines');
  assert.equal(theirs.status, 200, "another account's key pair is untouched");
});

test('an unrestricted IAM key may call every command', async () => {
  const k = (await root.ok('createApiKey', { name: 'everything' })).apikey;
  const open = new CsClient(env.app, k.key, k.secret);
  for (const c of allCommands()) {
    const r = await open.call(c.name);
    assert.ok(!refused(r), `${c.name}: HTTP ${r.status} ${r.raw}`);
  }
});
