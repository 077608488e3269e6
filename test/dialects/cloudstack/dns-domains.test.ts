import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';

let env: TestEnv;
let bob: CsClient;
before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

/** Asserts a CloudStack error answer: status 431 (PARAM_ERROR) and the text. */
async function refused(
  client: CsClient,
  command: string,
  params: Record<string, string | number>,
  text: RegExp,
): Promise<void> {
  const r = await client.call(command, params);
  assert.equal(r.status, 431, `${command} ${JSON.stringify(params)}: ${r.raw}`);
  assert.equal(r.body.errorcode, 431);
  assert.equal(r.body.cserrorcode, 4350);
  assert.match(r.body.errortext, text);
}

test('createDnsDomain answers the dnsdomain object the seed shows; listDnsDomains lists it', async () => {
  const d = (await env.cs.ok('createDnsDomain', { name: 'My-Domain.com' })).dnsdomain;
  assert.deepEqual(Object.keys(d).sort(), [
    'account',
    'account_id',
    'accountid',
    'autorenew',
    'created',
    'expires',
    'id',
    'name',
    'private_whois',
    'registrant_id',
    'state',
    'token',
    'unicodename',
    'updated',
  ]);
  assert.equal(typeof d.id, 'number');
  assert.equal(typeof d.account_id, 'number');
  assert.equal(d.name, 'my-domain.com');
  assert.equal(d.unicodename, 'my-domain.com');
  assert.equal(d.state, 'hosted');
  assert.match(d.account, /@/, 'the owner is shown by email');
  assert.match(d.token, /^[0-9a-f]{32}$/);
  assert.match(d.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual([d.autorenew, d.expires, d.private_whois, d.registrant_id], [false, null, false, null]);
  const listed = await env.cs.ok('listDnsDomains');
  assert.equal(listed.count, 1);
  assert.equal(listed.dnsdomain[0].dnsdomain.id, d.id, 'each item carries the dnsdomain object');
  assert.equal(listed.dnsdomain[0].id, d.id, 'and its fields flat, as cs fetch_list callers read them');
  await refused(env.cs, 'createDnsDomain', { name: 'my-domain.com' }, /already hosted/);
  await refused(bob, 'createDnsDomain', { name: 'MY-DOMAIN.COM.' }, /already hosted/);
  await refused(env.cs, 'createDnsDomain', {}, /missing parameter name/);
});

test('IDN names are hosted as punycode with the Unicode name beside it', async () => {
  const d = (await env.cs.ok('createDnsDomain', { name: 'bücher.example' })).dnsdomain;
  assert.equal(d.name, 'xn--bcher-kva.example');
  assert.equal(d.unicodename, 'bücher.example');
  assert.equal((await env.cs.ok('listDnsDomains', { name: 'xn--bcher-kva.example' })).count, 1);
});

test('bad domain names are refused with PARAM_ERROR', async () => {
  for (const name of ['com', 'a..b', '-a.com', 'a-.com', 'exa mple.com', `${'a'.repeat(64)}.com`, 'a_b.com', '.'])
    await refused(env.cs, 'createDnsDomain', { name }, /not a valid domain name|must not be empty/);
});

test("another account's domain is not found by id or name, for every command", async () => {
  const d = (await env.cs.ok('createDnsDomain', { name: 'private.example' })).dnsdomain;
  const rec = await env.cs.ok('createDnsDomainRecord', {
    id: d.id,
    record_name: 'www',
    record_type: 'A',
    content: '192.0.2.1',
  });
  assert.equal((await bob.ok('listDnsDomains')).count, 0);
  for (const ref of [{ id: d.id }, { name: 'private.example' }] as Array<Record<string, string | number>>) {
    for (const command of ['deleteDnsDomain', 'resetDnsDomainToken', 'getDnsDomainZoneFile', 'listDnsDomainRecords'])
      await refused(bob, command, ref, /not found/);
    for (const command of ['getDnsDomainRecord', 'deleteDnsDomainRecord'])
      await refused(bob, command, { ...ref, record_id: rec.id }, /not found/);
    await refused(bob, 'updateDnsDomainRecord', { ...ref, record_id: rec.id, content: '192.0.2.9' }, /not found/);
    await refused(
      bob,
      'createDnsDomainRecord',
      { ...ref, record_name: 'x', record_type: 'A', content: '192.0.2.9' },
      /not found/,
    );
  }
  assert.equal((await env.cs.ok('getDnsDomainRecord', { id: d.id, record_id: rec.id })).content, '192.0.2.1');
});

test('resetDnsDomainToken shows a new token; getDnsDomainZoneFile renders the zone', async () => {
  const d = (await env.cs.ok('createDnsDomain', { name: 'zone.example' })).dnsdomain;
  const reset = (await env.cs.ok('resetDnsDomainToken', { name: 'zone.example' })).dnsdomain;
  assert.equal(reset.id, d.id);
  assert.notEqual(reset.token, d.token);
  assert.match(reset.token, /^[0-9a-f]{32}$/);
  await env.cs.ok('createDnsDomainRecord', {
    name: 'zone.example',
    record_name: 'mail',
    record_type: 'MX',
    content: 'mx.zone.example',
    priority: 10,
  });
  await env.cs.ok('createDnsDomainRecord', {
    name: 'zone.example',
    record_name: '',
    record_type: 'TXT',
    content: 'v=spf1 -all',
  });
  const z = (await env.cs.ok('getDnsDomainZoneFile', { id: d.id })).domain;
  assert.deepEqual(Object.keys(z).sort(), ['account', 'accountid', 'id', 'name', 'zonefile']);
  const lines = z.zonefile.split('\n');
  assert.equal(lines[0], '$ORIGIN zone.example.');
  assert.equal(lines[1], '$TTL 1h');
  assert.match(
    lines[2],
    /^zone\.example\. 3600 IN SOA ns1\.nube\.local\. hostmaster\.nube\.local\. \d+ 86400 7200 604800 300$/,
  );
  assert.ok(lines.includes('zone.example. 3600 IN NS ns1.nube.local.'));
  assert.ok(lines.includes('mail.zone.example. 3600 IN MX 10 mx.zone.example.'));
  assert.ok(lines.includes('zone.example. 3600 IN TXT "v=spf1 -all"'));
  assert.ok(z.zonefile.endsWith('\n'));
});

test('deleteDnsDomain by id or name answers success and removes the domain and its records', async () => {
  const a = (await env.cs.ok('createDnsDomain', { name: 'gone-a.example' })).dnsdomain;
  await env.cs.ok('createDnsDomain', { name: 'gone-b.example' });
  assert.deepEqual(await env.cs.ok('deleteDnsDomain', { id: a.id }), { success: true });
  assert.deepEqual(await env.cs.ok('deleteDnsDomain', { name: 'gone-b.example' }), { success: true });
  await refused(env.cs, 'deleteDnsDomain', { id: a.id }, /not found/);
  await refused(env.cs, 'listDnsDomainRecords', { id: a.id }, /not found/);
  await refused(env.cs, 'deleteDnsDomain', {}, /id or the name/);
  await refused(env.cs, 'deleteDnsDomain', { id: 'abc' }, /id/);
  const left = await env.rt.store.db.selectFrom('dns_records').select('id').where('domain_id', '=', a.id).execute();
  assert.equal(left.length, 0);
  // the name may be hosted again, by anyone
  assert.equal((await bob.ok('createDnsDomain', { name: 'gone-a.example' })).dnsdomain.name, 'gone-a.example');
});

test('listApis lists the ten DNS commands', async () => {
  const apis = (await env.cs.ok('listApis')).api.map((a: { name: string }) => a.name);
  for (const name of [
    'createDnsDomain',
    'listDnsDomains',
    'deleteDnsDomain',
    'resetDnsDomainToken',
    'getDnsDomainZoneFile',
    'listDnsDomainRecords',
    'createDnsDomainRecord',
    'getDnsDomainRecord',
    'deleteDnsDomainRecord',
    'updateDnsDomainRecord',
  ])
    assert.ok(apis.includes(name), name);
});
