import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { TemplateImport } from '../../../src/core/templates/import.js';
import { systemContext } from '../../../src/lib/context.js';
import { CoreError } from '../../../src/lib/errors.js';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';
import { deployVm, netCatalog, type NetCatalog } from '../cloudstack/network-fixtures.js';

let d: DanubeEnv;
let es: EsClient;
let cs: CsClient;
let cat: NetCatalog;
let images: Server;
let imagesUrl = '';
const MANIFEST = {
  v: 2,
  uuid: '7b5981c4-1889-11e7-b4c5-3f3bdfc9b88b',
  name: 'alpine',
  version: '3.19',
  os: 'linux',
  type: 'zvol',
  description: 'Alpine Linux 3.19',
  files: [{ size: 2 * 1024 ** 3, sha1: 'a'.repeat(40), compression: 'gzip' }],
};
before(async () => {
  images = createServer((req, res) => {
    if (req.url === '/images/alpine') return res.writeHead(200).end(JSON.stringify(MANIFEST));
    if (req.url === '/images/broken') return res.writeHead(200).end('<html>not a manifest</html>');
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((ok) => images.listen(0, '127.0.0.1', ok));
  imagesUrl = `http://127.0.0.1:${(images.address() as { port: number }).port}/images`;
  d = await startDanube({ NUBE_OUTBOUND_ALLOW_PRIVATE: '1' });
  const carol = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  cs = new CsClient(d.env.app, carol.credentials['api-key-pair'].key, carol.credentials['api-key-pair'].secret);
  es = d.client();
  assert.equal((await es.login('carol', 'carol-password-1')).status, 200);
  cat = await netCatalog(cs);
});
after(async () => {
  await d.close();
  images.close();
});

/** Registers a private template through CloudStack in the first zone. */
async function register(name: string): Promise<any> {
  const r = await cs.done('registerCustomTemplate', {
    name,
    displaytext: `${name} image`,
    zoneid: cat.zone.id,
    url: 'https://images.example/custom.qcow2',
    checksum: '0123456789abcdef0123456789abcdef',
  });
  return r.template[0];
}

test('images are the catalog templates under slugged names; full objects; by name or uuid; 404, 412, 501', async () => {
  const a = await d.bob.get('/image');
  assert.equal(a.status, 200);
  assert.ok(a.body.result.includes('Linux-Ubuntu-22.04-LTS-64-bit'), a.text);
  assert.ok(a.body.result.includes('Linux-Debian-12-Bookworm-64-bit'));
  assert.deepEqual(a.body.result, [...a.body.result].sort());
  const full = await d.bob.get('/image', { full: true });
  const win = full.body.result.find((i: any) => i.name === 'Windows-Server-2022-64-bit');
  assert.equal(win.ostype, 4);
  assert.equal(win.size, 50 * 1024);
  assert.equal(win.status, 1);
  assert.equal(win.access, 1);
  assert.equal(win.owner, 'admin');
  assert.equal(win.alias, 'Windows Server 2022 64-bit');
  const one = await d.bob.get('/image/Linux-Ubuntu-22.04-LTS-64-bit');
  assert.equal(one.body.result.ostype, 1);
  const byUuid = await d.bob.get(`/image/${one.body.result.uuid}`);
  assert.equal(byUuid.body.result.name, 'Linux-Ubuntu-22.04-LTS-64-bit');
  const cloud = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template.map((t: any) => t.id);
  assert.ok(cloud.includes(one.body.result.uuid), 'the same template CloudStack lists');
  const missing = await d.bob.get('/image/no-such-image');
  assert.deepEqual([missing.status, missing.body], [404, { detail: 'Image not found' }]);
  assert.equal((await d.bob.get('/image', { order_by: 'colour' })).status, 412);
  const attach = await d.admin.create('/dc/ch-gva-2/image/Linux-Ubuntu-22.04-LTS-64-bit', {});
  assert.deepEqual([attach.status, attach.body], [501, { detail: 'Operation not supported' }]);
  assert.equal((await d.admin.delete('/dc/ch-gva-2/image/Linux-Ubuntu-22.04-LTS-64-bit')).status, 501);
  const put = await d.admin.set('/image/Linux-Ubuntu-22.04-LTS-64-bit', { desc: 'x' });
  assert.deepEqual([put.status, put.body], [501, { detail: 'Operation not supported' }]);
});

test("an account's registered template is its private image, in its zone's DC only; in use it cannot be deleted", async () => {
  const t = await register('My App Image');
  const mine = await es.get('/image/My-App-Image');
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.result.uuid, t.id);
  assert.equal(mine.body.result.access, 3);
  assert.equal(mine.body.result.owner, 'carol');
  assert.equal(mine.body.result.dc_bound, true);
  assert.equal(mine.body.result.dc, 'ch-gva-2');
  assert.equal((await d.bob.get('/image/My-App-Image')).status, 404, "another account's image is not found");
  assert.ok((await es.get('/dc/ch-gva-2/image')).body.result.includes('My-App-Image'));
  assert.ok(!(await es.get('/dc/de-fra-1/image')).body.result.includes('My-App-Image'));
  await deployVm(cs, cat, { templateid: t.id, name: 'app01' });
  assert.deepEqual((await es.get('/image/My-App-Image/vm')).body.result, ['app01']);
  const busy = await es.delete('/image/My-App-Image');
  assert.deepEqual([busy.status, busy.body], [428, { detail: 'Image is used by some VMs' }]);
  const pub = await es.delete('/image/Linux-Ubuntu-22.04-LTS-64-bit');
  assert.equal(pub.status, 403);
  const t2 = await register('scratch');
  const del = await es.delete('/image/scratch');
  assert.equal(del.status, 200);
  assert.equal((await es.get('/image/scratch')).status, 404);
  const after = (await cs.ok('listTemplates', { templatefilter: 'self' })).template ?? [];
  assert.ok(!after.some((x: any) => x.id === t2.id), 'CloudStack no longer lists the deleted template');
});

test('templates are the service offerings as VM presets; ISOs are an empty list', async () => {
  const names = await d.bob.get('/template');
  assert.equal(names.status, 200);
  assert.ok(names.body.result.includes('Micro'));
  assert.ok(names.body.result.includes('GPU-small'));
  const micro = await d.bob.get('/template/Micro');
  assert.deepEqual(micro.body.result.vm_define, { vcpus: Number(cat.micro.cpunumber), ram: Number(cat.micro.memory) });
  assert.equal(micro.body.result.desc, 'Micro 512mb 1cpu');
  const full = await d.bob.get('/template', { full: true });
  assert.ok(full.body.result.every((t: any) => t.vm_define.vcpus > 0 && t.vm_define.ram > 0));
  const none = await d.bob.get('/template/Nano');
  assert.deepEqual([none.status, none.body], [404, { detail: 'Template not found' }]);
  assert.equal((await d.admin.create('/template/Nano', { vm_define: { vcpus: 1, ram: 256 } })).status, 501);
  assert.deepEqual((await d.bob.get('/iso')).body.result, []);
  assert.equal((await d.bob.get('/iso/rescue')).status, 404);
  assert.ok((await d.bob.get('/dc/de-fra-1/template')).body.result.includes('Micro'));
});

test('an image is imported from its manifest (fetched under the outbound rules) as a private ready template', async () => {
  const imp = await es.create('/image/alpine-3.19', { manifest_url: `${imagesUrl}/alpine` });
  assert.equal(imp.status, 200, imp.text);
  assert.equal(imp.body.status, 'SUCCESS');
  const got = await es.get('/image/alpine-3.19');
  assert.equal(got.status, 200);
  const v = got.body.result;
  assert.deepEqual(
    [v.version, v.size, v.desc, v.owner, v.access, v.status],
    ['3.19', 2048, 'Alpine Linux 3.19', 'carol', 3, 1],
  );
  const self = (await cs.ok('listTemplates', { templatefilter: 'self' })).template ?? [];
  assert.ok(
    self.some((t: any) => t.id === v.uuid && t.isready === true),
    'CloudStack lists it, ready',
  );
  const log = await es.get('/task/log', { object_type: 'image' });
  assert.ok(
    log.body.results.some((e: any) => e.msg === 'Import image' && e.status === 'SUCCESS'),
    log.text,
  );
  const again = await es.create('/image/alpine-3.19', { manifest_url: `${imagesUrl}/alpine` });
  assert.deepEqual([again.status, again.body], [406, { detail: 'Image already exists' }]);
  const none = await es.create('/image/alpine-x', {});
  assert.equal(none.status, 400);
  assert.deepEqual(none.body.result.manifest_url, ['This field is required.']);
  for (const bad of [`${imagesUrl}/broken`, `${imagesUrl}/gone`, 'file:///etc/passwd']) {
    const a = await es.create('/image/alpine-bad', { manifest_url: bad });
    assert.equal(a.status, 400, `${bad}: ${a.text}`);
    assert.equal(a.body.status, 'FAILURE');
    assert.ok(a.body.result.manifest_url, a.text);
  }
  assert.equal((await es.get('/image/alpine-bad')).status, 404, 'nothing was imported');
});

test('without NUBE_OUTBOUND_ALLOW_PRIVATE an import from a loopback address is refused', async () => {
  const deps = d.env.rt.core.deps;
  const strict = new TemplateImport({
    ...deps,
    config: { ...deps.config, outbound: { ...deps.config.outbound, allowPrivate: false } },
  });
  const account = await d.env.rt.core.accounts.createAccount('dave');
  const ctx = systemContext(account.account.id, 'dave');
  await assert.rejects(
    strict.importImage(ctx, { name: 'local', zoneId: cat.zone.id, manifestUrl: `${imagesUrl}/alpine` }),
    (err: unknown) => err instanceof CoreError && err.kind === 'Invalid' && /Refused/.test(err.message),
  );
});
