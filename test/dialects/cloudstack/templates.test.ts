import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { deployVm, fails, netCatalog, type NetCatalog } from './network-fixtures.js';

let env: TestEnv;
let c: NetCatalog;
let bob: CsClient;
before(async () => {
  env = await startTestEnv();
  c = await netCatalog(env.cs);
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

const CHECKSUM = '6cf902921d1257a93cbcf8b23596692e';
const reg = (extra: Record<string, string | boolean> = {}) => ({
  zoneid: c.zone.id,
  name: 'Custom Debian',
  displaytext: 'My custom template',
  url: 'https://example.com/debian.qcow2',
  checksum: CHECKSUM,
  ...extra,
});

test('registerCustomTemplate answers a one-element template list with a ready USER template', async () => {
  const first = await env.cs.ok('registerCustomTemplate', reg());
  assert.ok(first.jobid && first.id);
  const j = await env.cs.job(
    'registerCustomTemplate',
    reg({ passwordenabled: true, sshkeyenabled: true, 'details[0].username': 'debian' }),
  );
  assert.equal(j.jobstatus, 1);
  assert.ok(Array.isArray(j.jobresult.template));
  assert.equal(j.jobresult.template.length, 1);
  const t = j.jobresult.template[0];
  assert.equal(t.name, 'Custom Debian');
  assert.equal(t.displaytext, 'My custom template');
  assert.equal(t.isready, true);
  assert.equal(t.templatetype, 'USER');
  assert.equal(t.ispublic, false);
  assert.equal(t.isfeatured, false);
  assert.equal(t.size, 10737418240);
  assert.equal(t.checksum, CHECKSUM);
  assert.equal(t.format, 'QCOW2');
  assert.equal(t.zoneid, c.zone.id);
  assert.equal(t.zonename, c.zone.name);
  assert.equal(t.passwordenabled, true);
  assert.equal(t.sshkeyenabled, true);
  assert.deepEqual(t.details, { username: 'debian' });
  assert.equal(t.account, 'alice');
  assert.equal(t.ostypename, 'Other (64-bit)');
  const defaults = (await env.cs.done('registerCustomTemplate', reg({ checksum: CHECKSUM.toUpperCase() }))).template[0];
  assert.equal(defaults.passwordenabled, false);
  assert.equal(defaults.sshkeyenabled, false);
  assert.equal(defaults.checksum, CHECKSUM);
  const self = await env.cs.ok('listTemplates', { templatefilter: 'self' });
  assert.ok(self.template.some((x: any) => x.id === t.id));
  assert.ok(
    !(await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template.some((x: any) => x.id === t.id),
  );
});

test('registerCustomTemplate validates its parameters', async () => {
  await fails(env.cs, 'registerCustomTemplate', reg({ checksum: 'abc' }), 431, /checksum/);
  await fails(env.cs, 'registerCustomTemplate', reg({ checksum: 'g'.repeat(32) }), 431, /checksum/);
  await fails(env.cs, 'registerCustomTemplate', reg({ url: 'ftp://example.com/x.qcow2' }), 431, /http/);
  await fails(env.cs, 'registerCustomTemplate', reg({ url: 'not a url' }), 431, /url/);
  await fails(env.cs, 'registerCustomTemplate', reg({ zoneid: '00000000-0000-4000-8000-000000000000' }), 431, /zone/);
  await fails(env.cs, 'registerCustomTemplate', reg({ bootmode: 'bios2' }), 431, /bootmode/);
  await fails(env.cs, 'registerCustomTemplate', reg({ name: '' }), 431, /name/);
  const { url: _url, ...noUrl } = reg();
  await fails(env.cs, 'registerCustomTemplate', noUrl, 431, /missing parameter url/);
  const { checksum: _c, ...noSum } = reg();
  await fails(env.cs, 'registerCustomTemplate', noSum, 431, /missing parameter checksum/);
  await fails(env.cs, 'registerCustomTemplate', reg({ passwordenabled: 'maybe' }), 431, /passwordenabled/);
});

test('a registered template deploys VMs and cannot be deleted while one exists', async () => {
  const t = (await env.cs.done('registerCustomTemplate', reg({ name: 'deployable' }))).template[0];
  const vm = await deployVm(env.cs, c, { templateid: t.id });
  assert.equal(vm.templateid, t.id);
  await fails(env.cs, 'deleteTemplate', { id: t.id }, 431, /used by 1 virtual machine/);
  await fails(
    env.cs,
    'deployVirtualMachine',
    { zoneid: c.zone2.id, serviceofferingid: c.micro.id, templateid: t.id },
    431,
    /not available in zone/,
  );
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  assert.deepEqual(await env.cs.done('deleteTemplate', { id: t.id }), { success: true });
  assert.ok(!(await env.cs.ok('listTemplates', { templatefilter: 'self' })).template.some((x: any) => x.id === t.id));
  await fails(env.cs, 'deleteTemplate', { id: t.id }, 431, /not found/);
  await fails(
    env.cs,
    'deployVirtualMachine',
    { zoneid: c.zone.id, serviceofferingid: c.micro.id, templateid: t.id },
    431,
    /not found/,
  );
});

test("public templates cannot be deleted and bob cannot see or touch alice's templates", async () => {
  await fails(env.cs, 'deleteTemplate', { id: c.template.id }, 431, /public/);
  await fails(env.cs, 'deleteTemplate', {}, 431, /missing parameter id/);
  const t = (await env.cs.done('registerCustomTemplate', reg({ name: 'private' }))).template[0];
  assert.ok(!(await bob.ok('listTemplates', { templatefilter: 'self' })).template.some((x: any) => x.id === t.id));
  assert.ok(
    !(await bob.ok('listTemplates', { templatefilter: 'executable' })).template.some((x: any) => x.id === t.id),
  );
  await fails(bob, 'deleteTemplate', { id: t.id }, 431, /not found/);
  await fails(
    bob,
    'deployVirtualMachine',
    { zoneid: c.zone.id, serviceofferingid: c.micro.id, templateid: t.id },
    431,
    /not found/,
  );
  assert.ok((await env.cs.ok('listTemplates', { templatefilter: 'self', id: t.id })).template.length === 1);
});
