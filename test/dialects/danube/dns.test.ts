import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';
import pino from 'pino';
import { DnsServer } from '../../../src/dns/server.js';
import { dig } from '../../dns/dig.js';

let d: DanubeEnv;
let es: EsClient;
let cs: CsClient;
before(async () => {
  d = await startDanube();
  const carol = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  cs = new CsClient(d.env.app, carol.credentials['api-key-pair'].key, carol.credentials['api-key-pair'].secret);
  es = d.client();
  assert.equal((await es.login('carol', 'carol-password-1')).status, 200);
});
after(async () => {
  await d.close();
});

test('a domain made through es is hosted with SOA and NS, listed by name, and seen by CloudStack', async () => {
  const made = await es.create('/dns/domain/Shop.Example', { desc: '' });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.status, 'SUCCESS');
  const v = made.body.result;
  assert.deepEqual(
    { ...v, created: typeof v.created },
    {
      name: 'shop.example',
      owner: 'carol',
      type: 'MASTER',
      access: 3,
      desc: '',
      created: 'string',
      dc_bound: false,
    },
  );
  assert.deepEqual((await es.get('/dns/domain')).body.result, ['shop.example']);
  const dc = await es.get('/dc/de-fra-1/dns/domain');
  assert.deepEqual([dc.status, dc.body.result], [200, ['shop.example']], 'domains are DC-unbound');
  const full = await es.get('/dns/domain', { extended: true });
  assert.equal(full.body.result[0].records, 3, 'SOA and two NS records');
  const one = await es.get('/dns/domain/shop.example');
  assert.deepEqual([one.status, one.body.result.name], [200, 'shop.example']);
  const listed = await cs.ok('listDnsDomains');
  assert.deepEqual(
    listed.dnsdomain.map((x: any) => x.name),
    ['shop.example'],
  );
  const again = await es.create('/dns/domain/shop.example');
  assert.deepEqual([again.status, again.body], [406, { detail: 'Domain already exists' }]);
  const taken = await d.bob.create('/dns/domain/shop.example');
  assert.deepEqual([taken.status, taken.body], [406, { detail: 'Domain already exists' }], 'hosted by anyone');
});

test("another account's domain is not found, and bad names and unkept settings are FAILUREs per field", async () => {
  await es.create('/dns/domain/carol.example');
  for (const [method, path] of [
    ['GET', '/dns/domain/carol.example'],
    ['PUT', '/dns/domain/carol.example'],
    ['DELETE', '/dns/domain/carol.example'],
    ['GET', '/dns/domain/carol.example/record'],
    ['POST', '/dns/domain/carol.example/record'],
  ] as const) {
    const r = await d.bob.call(method, path, method === 'GET' ? {} : { name: 'x.carol.example', type: 'A' });
    assert.deepEqual([r.status, r.body], [404, { detail: 'Domain not found' }], `${method} ${path}`);
  }
  assert.deepEqual((await d.bob.get('/dns/domain')).body.result, []);
  const bad = await es.create('/dns/domain/no_dots');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.status, 'FAILURE');
  assert.ok(bad.body.result.name, bad.text);
  const unkept = await es.create('/dns/domain/other.example', { access: 1, desc: 'mine', type: 'NATIVE' });
  assert.equal(unkept.status, 400);
  assert.deepEqual(Object.keys(unkept.body.result).sort(), ['access', 'type']);
  const choice = await es.create('/dns/domain/other.example', { type: 'SLAVE' });
  assert.deepEqual(choice.body.result, { type: ['"SLAVE" is not a valid choice.'] });
  assert.equal((await es.get('/dns/domain/other.example')).status, 404, 'nothing was created');
  const same = await es.set('/dns/domain/carol.example', { type: 'MASTER', access: 3 });
  assert.deepEqual([same.status, same.body.result.name], [200, 'carol.example']);
  const rename = await es.set('/dns/domain/carol.example', { name: 'renamed.example' });
  assert.equal(rename.status, 400);
  assert.ok(rename.body.result.name);
  const order = await es.get('/dns/domain', { order_by: 'records' });
  assert.equal(order.status, 412);
  const gone = await es.delete('/dns/domain/carol.example');
  assert.equal(gone.status, 200, gone.text);
  assert.equal((await es.get('/dns/domain/carol.example')).status, 404);
});

test('records made through es are the records CloudStack lists, and the other way round', async () => {
  await es.create('/dns/domain/rec.example');
  const made = await es.create('/dns/domain/rec.example/record', {
    name: 'www.rec.example',
    type: 'A',
    content: '192.0.2.10',
  });
  assert.equal(made.status, 201, made.text);
  const r = made.body.result;
  assert.deepEqual(
    { ...r, changed: typeof r.changed },
    {
      id: r.id,
      domain: 'rec.example',
      name: 'www.rec.example',
      type: 'A',
      content: '192.0.2.10',
      ttl: 3600,
      prio: 0,
      disabled: false,
      changed: 'string',
    },
  );
  const mx = await es.create('/dns/domain/rec.example/record/0', {
    name: '@',
    type: 'MX',
    content: 'mail.rec.example',
    prio: 10,
    ttl: 600,
  });
  assert.equal(mx.status, 201, mx.text);
  assert.deepEqual([mx.body.result.name, mx.body.result.prio, mx.body.result.ttl], ['rec.example', 10, 600]);
  const seen = await cs.ok('listDnsDomainRecords', { name: 'rec.example' });
  const www = seen.records.find((x: any) => x.id === r.id);
  assert.deepEqual([www.name, www.record_type, www.content, www.ttl], ['www', 'A', '192.0.2.10', 3600]);
  assert.equal(seen.records.find((x: any) => x.record_type === 'MX').priority, 10);
  const fromCs = await cs.ok('createDnsDomainRecord', {
    name: 'rec.example',
    record_name: 'txt',
    record_type: 'TXT',
    content: '"hello"',
    ttl: 300,
  });
  const got = await es.get(`/dns/domain/rec.example/record/${fromCs.id}`);
  assert.deepEqual(
    [got.status, got.body.result.name, got.body.result.type, got.body.result.content, got.body.result.ttl],
    [200, 'txt.rec.example', 'TXT', '"hello"', 300],
  );
  const ids = (await es.get('/dns/domain/rec.example/record')).body.result;
  assert.equal(ids.length, 6, 'SOA, two NS, A, MX, TXT');
  assert.deepEqual(
    ids,
    [...ids].sort((a: number, b: number) => a - b),
  );
  const byType = await es.get('/dns/domain/rec.example/record', { full: true, order_by: 'type' });
  assert.deepEqual(
    byType.body.result.map((x: any) => x.type),
    ['A', 'MX', 'NS', 'NS', 'SOA', 'TXT'],
  );
});

test('records are changed and deleted through es, with Danube errors for bad input', async () => {
  await es.create('/dns/domain/edit.example');
  const a = (
    await es.create('/dns/domain/edit.example/record', { name: 'a.edit.example', type: 'A', content: '192.0.2.1' })
  ).body.result;
  const set = await es.set(`/dns/domain/edit.example/record/${a.id}`, { content: '192.0.2.2', ttl: 120 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(
    [set.body.result.name, set.body.result.content, set.body.result.ttl],
    ['a.edit.example', '192.0.2.2', 120],
  );
  const cs1 = await cs.ok('getDnsDomainRecord', { name: 'edit.example', record_id: a.id });
  assert.equal(cs1.content, '192.0.2.2');
  const toMx = await es.set(`/dns/domain/edit.example/record/${a.id}`, { type: 'MX', content: 'mx.edit.example' });
  assert.deepEqual([toMx.status, toMx.body.result.type, toMx.body.result.prio], [200, 'MX', 0], toMx.text);
  const prio = await es.set(`/dns/domain/edit.example/record/${a.id}`, { prio: 5 });
  assert.equal(prio.body.result.prio, 5);
  assert.equal((await cs.ok('getDnsDomainRecord', { name: 'edit.example', record_id: a.id })).priority, 5);
  const back = await es.set(`/dns/domain/edit.example/record/${a.id}`, { type: 'A', content: '192.0.2.2' });
  assert.deepEqual([back.status, back.body.result.prio], [200, 0]);

  const missing = await es.create('/dns/domain/edit.example/record', { type: 'A' });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body.result, { name: ['This field is required.'], content: ['This field is required.'] });
  const badIp = await es.create('/dns/domain/edit.example/record', { name: 'b.edit.example', type: 'A', content: 'x' });
  assert.equal(badIp.status, 400);
  assert.ok(badIp.body.result.content, badIp.text);
  const outside = await es.create('/dns/domain/edit.example/record', {
    name: 'www.elsewhere.example',
    type: 'A',
    content: '192.0.2.3',
  });
  assert.equal(outside.status, 400);
  assert.ok(outside.body.result.name, outside.text);
  const badType = await es.create('/dns/domain/edit.example/record', {
    name: 'c.edit.example',
    type: 'LOC',
    content: '1',
  });
  assert.ok(badType.body.result.type, badType.text);
  const disabled = await es.create('/dns/domain/edit.example/record', {
    name: 'd.edit.example',
    type: 'A',
    content: '192.0.2.4',
    disabled: true,
  });
  assert.ok(disabled.body.result.disabled, disabled.text);
  const exists = await es.create(`/dns/domain/edit.example/record/${a.id}`, {
    name: 'x',
    type: 'A',
    content: '1.2.3.4',
  });
  assert.deepEqual([exists.status, exists.body], [406, { detail: 'Record already exists' }]);
  const nothing = await es.get('/dns/domain/edit.example/record/99999');
  assert.deepEqual([nothing.status, nothing.body], [404, { detail: 'Record not found' }]);

  const soa = (await es.get('/dns/domain/edit.example/record', { full: true })).body.result.find(
    (x: any) => x.type === 'SOA',
  );
  assert.equal((await es.delete(`/dns/domain/edit.example/record/${soa.id}`)).status, 400);
  const b = (
    await es.create('/dns/domain/edit.example/record', { name: 'b.edit.example', type: 'A', content: '192.0.2.5' })
  ).body.result;
  const invalid = await es.delete('/dns/domain/edit.example/record', {});
  assert.deepEqual([invalid.status, invalid.body], [412, { detail: 'Invalid records' }]);
  const none = await es.delete('/dns/domain/edit.example/record', { records: [99999] });
  assert.equal(none.status, 404);
  const many = await es.delete('/dns/domain/edit.example/record', {
    records: [a.id, b.id, disabled.body.result.id],
  });
  assert.equal(many.status, 200, many.text);
  const left = await cs.ok('listDnsDomainRecords', { name: 'edit.example' });
  assert.deepEqual(
    left.records.map((x: any) => x.record_type),
    ['SOA', 'NS', 'NS'],
  );
  const one = (
    await es.create('/dns/domain/edit.example/record', { name: 'c.edit.example', type: 'A', content: '192.0.2.6' })
  ).body.result;
  assert.equal((await es.delete(`/dns/domain/edit.example/record/${one.id}`)).status, 200);
  assert.equal((await es.get(`/dns/domain/edit.example/record/${one.id}`)).status, 404);
  const log = (await es.get('/task/log', { page: 1 })).body.results.filter((e: any) => / DNS /.test(e.msg));
  const msgs = log.map((e: any) => e.msg);
  for (const m of ['Create DNS domain', 'Create DNS record', 'Update DNS record', 'Delete DNS record'])
    assert.ok(msgs.includes(m), `${m} in ${msgs.join(', ')}`);
  assert.ok(log.every((e: any) => e.object_type === 'domain' && e.status === 'SUCCESS'));
});

test('a description is kept and changed; a disabled record is listed everywhere but neither served nor in the zone file', async () => {
  const made = await es.create('/dns/domain/notes.example', { desc: 'shop front' });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.result.desc, 'shop front');
  assert.equal((await es.get('/dns/domain/notes.example')).body.result.desc, 'shop front');
  const changed = await es.set('/dns/domain/notes.example', { desc: 'shop front, moved' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal((await es.get('/dns/domain/notes.example')).body.result.desc, 'shop front, moved');
  const long = await es.set('/dns/domain/notes.example', { desc: 'x'.repeat(200) });
  assert.equal(long.status, 400);
  assert.ok(long.body.result.desc, long.text);

  const server = new DnsServer({
    host: '127.0.0.1',
    port: 0,
    zones: d.env.rt.core.dns,
    log: pino({ level: 'silent' }),
  });
  await server.start();
  try {
    const off = await es.create('/dns/domain/notes.example/record', {
      name: 'off.notes.example',
      type: 'A',
      content: '192.0.2.40',
      disabled: true,
    });
    assert.equal(off.status, 201, off.text);
    assert.equal(off.body.result.disabled, true);
    const listed = await cs.ok('listDnsDomainRecords', { name: 'notes.example' });
    assert.ok(
      listed.records.some((r: any) => r.content === '192.0.2.40'),
      'CloudStack lists the disabled record',
    );
    assert.equal(
      (await dig(server.port, 'off.notes.example', 'A')).status,
      'NXDOMAIN',
      'a disabled record is not served',
    );
    const zone = (await cs.ok('getDnsDomainZoneFile', { name: 'notes.example' })).domain.zonefile as string;
    assert.doesNotMatch(zone, /192\.0\.2\.40/);

    const on = await es.set(`/dns/domain/notes.example/record/${off.body.result.id}`, { disabled: false });
    assert.equal(on.body.result.disabled, false, on.text);
    const served = await dig(server.port, 'off.notes.example', 'A');
    assert.deepEqual(
      served.answer.map((r) => r.data),
      ['192.0.2.40'],
      'enabled again, it is served by the next query',
    );
  } finally {
    await server.stop();
  }
});

test('a bulk record delete takes the domain’s records in one transaction: others’ ids are passed over, an SOA id stops all', async () => {
  await es.create('/dns/domain/bulk.example');
  const add = async (client: EsClient, domain: string, name: string): Promise<number> => {
    const made = await client.create(`/dns/domain/${domain}/record`, {
      name: `${name}.${domain}`,
      type: 'A',
      content: '192.0.2.20',
    });
    assert.equal(made.status, 201, made.text);
    return made.body.result.id;
  };
  const a = await add(es, 'bulk.example', 'a');
  const b = await add(es, 'bulk.example', 'b');
  assert.equal((await d.bob.create('/dns/domain/bobs-bulk.example')).status, 201);
  const theirs = await add(d.bob, 'bobs-bulk.example', 'x');
  const records = async () => (await es.get('/dns/domain/bulk.example/record', { full: true })).body.result;
  const soa = (await records()).find((x: any) => x.type === 'SOA');
  const serial = async () => Number((await records()).find((x: any) => x.type === 'SOA').content.split(' ')[2]);
  const before = await serial();
  const notFound = { detail: 'Record not found' };
  for (const [ids, status, body] of [
    [[99999, theirs], 404, notFound],
    [[], 404, notFound],
    [[a, soa.id], 400, undefined],
  ] as const) {
    const r = await es.delete('/dns/domain/bulk.example/record', { records: ids });
    assert.equal(r.status, status, `${JSON.stringify(ids)}: ${r.text}`);
    if (body) assert.deepEqual(r.body, body);
  }
  for (const bad of [[[a]], [true], [-1], ['1x'], 'a,b'])
    assert.deepEqual((await es.delete('/dns/domain/bulk.example/record', { records: bad })).status, 412);
  assert.equal((await records()).length, 5, 'SOA, two NS, a and b are all still there');
  assert.equal(await serial(), before, 'and the zone did not change');
  assert.equal((await d.bob.get(`/dns/domain/bobs-bulk.example/record/${theirs}`)).status, 200);

  const both = await es.delete('/dns/domain/bulk.example/record', { records: [String(a), 99999, b, theirs, a] });
  assert.equal(both.status, 200, both.text);
  assert.deepEqual(
    (await records()).map((x: any) => x.type),
    ['SOA', 'NS', 'NS'],
  );
  assert.equal(await serial(), before + 2, 'the serial moves once per deleted record');
  const logged = await d.env.rt.store.db
    .selectFrom('task_log')
    .select(['object_id', 'status'])
    .where('object_type', '=', 'dns record')
    .where('object_id', 'in', [String(a), String(b)])
    .where('action', '=', 'sync.delete')
    .where('status', '=', 'SUCCESS')
    .execute();
  assert.deepEqual(logged.map((e) => e.object_id).sort(), [String(a), String(b)].sort(), 'one log entry per record');
});

test('a SuperAdmin lists and reads every account’s domains; other users still see only their own', async () => {
  assert.equal((await es.create('/dns/domain/seen.example', { desc: 'carol' })).status, 201);
  assert.equal((await d.bob.create('/dns/domain/bobs-own.example')).status, 201);
  const names = (await d.admin.get('/dns/domain')).body.result;
  assert.ok(names.includes('seen.example') && names.includes('bobs-own.example'), names.join(', '));
  const full = await d.admin.get('/dns/domain', { extended: true });
  assert.equal(full.status, 200, full.text);
  const seen = full.body.result.find((x: any) => x.name === 'seen.example');
  assert.deepEqual([seen.owner, seen.desc, seen.records], ['carol', 'carol', 3]);
  const one = await d.admin.get('/dns/domain/seen.example', { extended: true });
  assert.deepEqual([one.status, one.body.result.owner, one.body.result.records], [200, 'carol', 3], one.text);
  const recs = await d.admin.get('/dns/domain/seen.example/record', { full: true });
  assert.deepEqual([recs.status, recs.body.result.length], [200, 3], recs.text);
  const soa = await d.admin.get(`/dns/domain/seen.example/record/${recs.body.result[0].id}`);
  assert.deepEqual([soa.status, soa.body.result.type], [200, 'SOA'], soa.text);

  const mine = (await es.get('/dns/domain')).body.result;
  assert.ok(mine.includes('seen.example') && !mine.includes('bobs-own.example'), mine.join(', '));
  assert.deepEqual((await es.get('/dns/domain/bobs-own.example')).body, { detail: 'Domain not found' });
  assert.ok(!(await d.bob.get('/dns/domain')).body.result.includes('seen.example'));
  assert.equal((await d.bob.get('/dns/domain/seen.example/record')).status, 404);
});
