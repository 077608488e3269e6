/**
 * The VM list cache never serves a stale page: after every kind of change — through each dialect over HTTP, through
 * the task engine, and through another database connection (as another process would) — the cached list equals the
 * list read by a core with the cache off, on the very next call, and each dialect's list shows the change.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { listen, wireCredentials, WireCs, WireCvm, WireRest, WireSigma } from './wire-dialects.js';
import { Core } from '../../src/core/core.js';
import { openStore, type Store } from '../../src/store/db.js';
import type { CallContext } from '../../src/lib/context.js';
import type { VmFilter } from '../../src/core/vms/service.js';
import { until } from '../support/until.js';
import { sqlitePath } from '../../src/config.js';

let env: TestEnv;
let cs: WireCs;
let sigma: WireSigma;
let cvm: WireCvm;
let rest: WireRest;
let oracle: Core;
let ctx: CallContext;
let offering: string;
let bigger: string;

/** The pages the dialects ask for: CloudStack's default and paged lists, REST's pages of 15, CloudSigma's and CVM's whole lists. */
const FILTERS: VmFilter[] = [
  {},
  { page: 1, pageSize: 20 },
  { page: 2, pageSize: 1 },
  { page: 1, pageSize: 15 },
  { state: ['running', 'rebooting'] },
];

/** Every page the cached core answers equals the uncached core's answer, read right after it. */
async function sameAsOracle(what: string): Promise<void> {
  for (const f of FILTERS) {
    await env.rt.core.vms.list(ctx, f);
    const cached = await env.rt.core.vms.list(ctx, f);
    const fresh = await oracle.vms.list(ctx, f);
    assert.deepEqual(
      JSON.parse(JSON.stringify(cached)),
      JSON.parse(JSON.stringify(fresh)),
      `${what}: ${JSON.stringify(f)}`,
    );
  }
}

/** The VM as CloudStack lists it (a cached page, since the list was read just before). */
async function csVm(id: string): Promise<any> {
  return ((await cs.ok('listVirtualMachines', {})).virtualmachine ?? []).find((v: any) => v.id === id);
}

before(async () => {
  env = await startTestEnv({ NUBE_SYNC_WAIT_MS: '20000', NUBE_RATE_LIMITS: 'off' });
  const base = await listen(env);
  const creds = await wireCredentials(env, 'fresh');
  cs = new WireCs(base, creds.cloudstack.key, creds.cloudstack.secret, 4);
  sigma = new WireSigma(base, creds.cloudsigma.email, creds.cloudsigma.password);
  cvm = new WireCvm(base, creds.cvm.publicToken, creds.cvm.privateToken);
  rest = new WireRest(base, creds.rest.token);
  const account = (await cs.ok('listAccounts')).account[0];
  ctx = {
    accountId: String(account.id),
    accountName: String(account.name),
    userId: null,
    isAdmin: false,
    requestId: 'freshness',
    origin: 'test:freshness',
  };
  const rt = env.rt;
  oracle = new Core({
    store: rt.store,
    config: { ...rt.config, listCacheItems: 0 },
    secrets: env.masterKey,
    catalog: rt.core.catalog,
    tasks: rt.engine,
    driver: rt.driver,
  });
  const offerings = (await cs.ok('listServiceOfferings')).serviceoffering as Array<{ id: string }>;
  offering = offerings[0]!.id;
  bigger = offerings[1]!.id;
});
after(async () => {
  await cs?.close();
  await env?.close();
});

test('every change through any dialect, the engine or another connection is in the very next cached list', async () => {
  const zone = (await cs.ok('listZones')).zone[0].id;
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id;
  await sameAsOracle('empty account');
  const deploy = (name: string) =>
    cs.done('deployVirtualMachine', { zoneid: zone, templateid: template, serviceofferingid: offering, name });
  const a = (await deploy('fresh-a')).virtualmachine.id as string;
  await sameAsOracle('CloudStack deploy');
  const b = (await deploy('fresh-b')).virtualmachine.id as string;
  assert.equal((await csVm(b)).state, 'Running');
  await sameAsOracle('second deploy');

  assert.equal((await rest.call('POST', `/vps/${a}/stop`)).status < 300, true);
  await until('REST stop reaches Stopped', async () => (await csVm(a))?.state === 'Stopped');
  await sameAsOracle('REST stop through the engine');

  await cs.ok('updateVirtualMachine', { id: a, displayname: 'renamed-by-cloudstack' });
  assert.equal((await csVm(a)).displayname, 'renamed-by-cloudstack');
  await sameAsOracle('CloudStack rename');

  await cs.done('createTags', { resourcetype: 'UserVm', resourceids: a, 'tags[0].key': 'tier', 'tags[0].value': 'db' });
  assert.deepEqual(
    (await csVm(a)).tags.map((t: any) => [t.key, t.value]),
    [['tier', 'db']],
  );
  await sameAsOracle('tag added');
  await cs.done('deleteTags', { resourcetype: 'UserVm', resourceids: a, 'tags[0].key': 'tier' });
  assert.deepEqual((await csVm(a)).tags, []);
  await sameAsOracle('tag removed');

  await cs.ok('changeServiceForVirtualMachine', { id: a, serviceofferingid: bigger });
  assert.equal((await csVm(a)).serviceofferingid, bigger);
  await sameAsOracle('offering changed');

  const sigmaRef = (await sigma.expect('GET', '/servers/info')).records.find((r) => r.name === 'fresh-b')?.server;
  assert.ok(sigmaRef, 'CloudSigma lists fresh-b');
  await sigma.expect('POST', `/servers/${sigmaRef}/stop`, undefined, 204);
  await until('CloudSigma stop', async () => (await csVm(b))?.state === 'Stopped');
  await sameAsOracle('CloudSigma stop');

  const vps = ((await cvm.call('GET', '/vps/list')).body.response.vpses as any[]).find((v) => v.hostname === 'fresh-b');
  assert.equal((await cvm.call('POST', `/vps/${vps.id}/start`)).status, 200);
  assert.equal((await csVm(b)).state, 'Running');
  await sameAsOracle('CVM start');

  await cs.done('destroyVirtualMachine', { id: b, expunge: true });
  assert.equal(await csVm(b), undefined);
  assert.equal(
    (await rest.call('GET', '/vps')).body.data.some((v: any) => v.id === b),
    false,
  );
  await sameAsOracle('CloudStack destroy');

  const other: Store = openStore(
    TEST_DB === 'postgres' ? { databaseUrl: env.config.databaseUrl } : { sqlitePath: sqlitePath(env.config) },
  );
  try {
    await other.tx((trx) =>
      trx.updateTable('vms').set({ display_name: 'changed-elsewhere' }).where('id', '=', a).execute(),
    );
    assert.equal((await csVm(a)).displayname, 'changed-elsewhere');
    assert.equal((await rest.call('GET', '/vps')).body.data.find((v: any) => v.id === a).name, 'changed-elsewhere');
    await sameAsOracle('another connection');
  } finally {
    await other.close();
  }
});

test('the REST list, kept as rendered text, shows SSH key numbers and their removal on the very next call', async () => {
  const zone = (await cs.ok('listZones')).zone[0].id;
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id;
  await cs.ok('createSSHKeyPair', { name: 'fresh-key' });
  const keyed = (
    await cs.done('deployVirtualMachine', {
      zoneid: zone,
      templateid: template,
      serviceofferingid: offering,
      name: 'fresh-keyed',
      keypair: 'fresh-key',
    })
  ).virtualmachine.id as string;
  const restVm = async () => (await rest.call('GET', '/vps?per_page=50')).body.data.find((v: any) => v.id === keyed);
  const keys = (await rest.call('GET', '/ssh-keys')).body.data as Array<{ id: number; name: string }>;
  const key = keys.find((k) => k.name === 'fresh-key');
  assert.ok(key, 'REST lists the key made through CloudStack');
  assert.equal((await restVm()).ssh_key_id, key.id);
  assert.equal((await restVm()).ssh_key_id, key.id, 'the same answer again (from the kept text)');
  assert.equal((await rest.call('DELETE', `/ssh-keys/${key.id}`)).status < 300, true);
  assert.equal((await restVm()).ssh_key_id, null, 'the removed key is gone from the next list');
  await cs.ok('updateVirtualMachine', { id: keyed, displayname: 'keyed-renamed' });
  assert.equal((await restVm()).name, 'keyed-renamed');
});

test("CloudSigma's servers/info and CVM's vps/list, kept as text, show server settings and traffic limits on the very next call", async () => {
  const zone = (await cs.ok('listZones')).zone[0].id;
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id;
  const id = (
    await cs.done('deployVirtualMachine', {
      zoneid: zone,
      templateid: template,
      serviceofferingid: offering,
      name: 'fresh-kept',
      startvm: 'false',
    })
  ).virtualmachine.id as string;
  const server = async () => (await sigma.expect('GET', '/servers/info')).records.find((r) => r.server === id)!;
  const vps = async () =>
    ((await cvm.call('GET', '/vps/list')).body.response.vpses as any[]).find((v) => v.hostname === 'fresh-kept');
  assert.equal((await server())['nic:1:model'], undefined);
  assert.equal((await server())['nic:1:model'], undefined, 'the same answer again (from the kept text)');
  await sigma.expect('POST', `/servers/${id}/set`, { 'nic:1:model': 'virtio', 'nic:1:vlan': 'v1' });
  assert.equal((await server())['nic:1:model'], 'virtio', 'a server setting (vm_extras) is in the next list');

  const before = await vps();
  assert.equal((await vps()).traffic_in_limit, before.traffic_in_limit, 'the same answer again (from the kept text)');
  await env.rt.core.traffic.setLimits(Number(before.id), { total: 7_000_000_000 });
  assert.equal((await vps()).traffic_limit, '7000000000', 'a traffic limit (vm_traffic) is in the next list');
});
