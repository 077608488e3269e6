import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';

let env: TestEnv;
let domainId: number;
const ZONE = 'records.example';
before(async () => {
  env = await startTestEnv();
  domainId = (await env.cs.ok('createDnsDomain', { name: ZONE })).dnsdomain.id;
});
after(async () => {
  await env.close();
});

type Params = Record<string, string | number>;

const create = (p: Params) => env.cs.call('createDnsDomainRecord', { name: ZONE, ttl: 300, ...p });

async function refused(p: Params, text: RegExp, command = 'createDnsDomainRecord'): Promise<void> {
  const r = await env.cs.call(command, { name: ZONE, ...p });
  assert.equal(r.status, 431, `${JSON.stringify(p)}: ${r.raw}`);
  assert.equal(r.body.cserrorcode, 4350);
  assert.match(r.body.errortext, text);
}

test('a new domain lists its SOA and NS records as the seed shows them', async () => {
  const r = await env.cs.ok('listDnsDomainRecords', { id: domainId });
  assert.equal(r.count, 3);
  const [soa, ns] = r.records;
  assert.deepEqual(Object.keys(soa).sort(), [
    'content',
    'created_at',
    'domain_id',
    'id',
    'name',
    'priority',
    'record_type',
    'ttl',
    'updated_at',
  ]);
  assert.equal(soa.record_type, 'SOA');
  assert.equal(soa.name, '');
  assert.equal(soa.domain_id, domainId);
  assert.match(soa.content, /^ns1\.nube\.local hostmaster\.nube\.local \d+ 86400 7200 604800 300$/);
  assert.deepEqual([ns.record_type, ns.content, ns.priority, ns.ttl], ['NS', 'ns1.nube.local', null, 3600]);
});

test('every record type is created with valid content and read back as created', async () => {
  const cases: Array<[Params, string]> = [
    [{ record_name: 'a', record_type: 'A', content: '192.0.2.10' }, '192.0.2.10'],
    [{ record_name: 'aaaa', record_type: 'AAAA', content: '2001:DB8::1' }, '2001:db8::1'],
    [{ record_name: '', record_type: 'ALIAS', content: 'target.example.net.' }, 'target.example.net'],
    [{ record_name: '@', record_type: 'CAA', content: '0 issue "letsencrypt.org"' }, '0 issue "letsencrypt.org"'],
    [{ record_name: 'www', record_type: 'CNAME', content: 'a.records.example' }, 'a.records.example'],
    [{ record_name: 'hinfo', record_type: 'HINFO', content: '"amd64" "linux"' }, '"amd64" "linux"'],
    [{ record_name: '', record_type: 'MX', content: 'mx.records.example', priority: 10 }, 'mx.records.example'],
    [
      { record_name: 'sip', record_type: 'NAPTR', content: '100 10 "S" "SIP+D2U" "" _sip._udp.records.example' },
      '100 10 "S" "SIP+D2U" "" _sip._udp.records.example',
    ],
    [{ record_name: 'sub', record_type: 'NS', content: 'ns.other.example' }, 'ns.other.example'],
    [{ record_name: 'pool', record_type: 'POOL', content: 'p1.example.net' }, 'p1.example.net'],
    [{ record_name: '10', record_type: 'PTR', content: 'host.records.example' }, 'host.records.example'],
    [{ record_name: 'spf', record_type: 'SPF', content: 'v=spf1 mx -all' }, 'v=spf1 mx -all'],
    [
      { record_name: '_sip._tcp', record_type: 'SRV', content: '5 5060 sip.records.example', priority: 20 },
      '5 5060 sip.records.example',
    ],
    [{ record_name: 'ssh', record_type: 'SSHFP', content: `4 2 ${'AB'.repeat(32)}` }, `4 2 ${'ab'.repeat(32)}`],
    [{ record_name: '_dmarc', record_type: 'TXT', content: 'v=DMARC1; p=none' }, 'v=DMARC1; p=none'],
    [{ record_name: 'go', record_type: 'url', content: 'https://example.org/landing' }, 'https://example.org/landing'],
    [{ record_name: '*', record_type: 'A', content: '192.0.2.99' }, '192.0.2.99'],
    [{ record_name: 'deep.sub2', record_type: 'A', content: '192.0.2.98' }, '192.0.2.98'],
    [{ record_name: `abs.${ZONE}.`, record_type: 'A', content: '192.0.2.97' }, '192.0.2.97'],
  ];
  for (const [p, content] of cases) {
    const r = await create(p);
    assert.equal(r.status, 200, `${JSON.stringify(p)}: ${r.raw}`);
    assert.equal(r.body.content, content);
    assert.equal(r.body.record_type, String(p.record_type).toUpperCase());
    assert.equal(r.body.ttl, 300);
    assert.equal(r.body.priority, p.priority ?? null);
    assert.equal(r.body.domain_id, domainId);
    assert.equal(typeof r.body.id, 'number');
    const got = await env.cs.ok('getDnsDomainRecord', { name: ZONE, record_id: r.body.id });
    assert.deepEqual(got, r.body);
  }
  const names = (await env.cs.ok('listDnsDomainRecords', { name: ZONE })).records.map((r: any) => r.name);
  for (const n of ['', 'www', '_sip._tcp', '*', 'deep.sub2', 'abs']) assert.ok(names.includes(n), n);
});

test('malformed content is refused per record type', async () => {
  const cases: Params[] = [
    { record_type: 'A', content: '192.0.2.300' },
    { record_type: 'A', content: '2001:db8::1' },
    { record_type: 'AAAA', content: '192.0.2.1' },
    { record_type: 'AAAA', content: '2001:db8:::1' },
    { record_type: 'ALIAS', content: 'not a host' },
    { record_type: 'CAA', content: '256 issue "ca.example"' },
    { record_type: 'CAA', content: 'issue ca.example' },
    { record_type: 'CNAME', content: 'bad host!' },
    { record_type: 'HINFO', content: 'only-one' },
    { record_type: 'MX', content: 'mx..example', priority: 10 },
    { record_type: 'NAPTR', content: '100 10 "S" "SIP"' },
    { record_type: 'NS', content: '-' + 'x'.repeat(70) },
    { record_type: 'POOL', content: 'a b' },
    { record_type: 'PTR', content: 'under score!' },
    { record_type: 'SPF', content: '"unclosed' },
    { record_type: 'SRV', content: '5 sip.example', priority: 1 },
    { record_type: 'SRV', content: '5 70000 sip.example', priority: 1 },
    { record_type: 'SSHFP', content: '4 2 abcd' },
    { record_type: 'SSHFP', content: '4 1 zz' },
    { record_type: 'TXT', content: '"a" "b' },
    { record_type: 'URL', content: 'ftp://example.org/' },
    { record_type: 'A', content: '' },
    { record_type: 'TXT', content: 'x'.repeat(4097) },
  ];
  for (const p of cases) await refused({ record_name: 'bad', ttl: 300, ...p }, /content/i);
  await refused({ record_name: 'bad', record_type: 'A', content: '192.0.2.1\u0001' }, /control characters/);
});

test('unknown or SOA types, bad names, bad TTLs and bad priorities are refused', async () => {
  const a = { record_type: 'A', content: '192.0.2.1' };
  await refused({ record_name: 'x', record_type: 'SOA', content: 'a b 1 2 3 4 5' }, /SOA records are managed/);
  await refused({ record_name: 'x', record_type: 'WKS', content: '1' }, /record type must be one of/);
  await refused({ record_name: 'x', content: '192.0.2.1' }, /record type must be one of/);
  for (const record_name of ['a..b', 'sp ace', 'x.*', 'a/b', `${'l'.repeat(64)}`, 'www.other.example.'])
    await refused({ record_name, ...a }, /record name|not inside/);
  for (const ttl of [0, -1, 2147483648]) await refused({ record_name: 't', ttl, ...a }, /TTL/);
  await refused({ record_name: 't', ttl: 'soon', ...a }, /ttl/i);
  await refused({ record_name: 'm', record_type: 'MX', content: 'mx.example' }, /needs a priority/);
  await refused({ record_name: 'm', record_type: 'MX', content: 'mx.example', priority: 65536 }, /priority/);
  await refused({ record_name: 'm', record_type: 'SRV', content: '1 1 t.example', priority: -1 }, /priority/);
  const noPriority = await create({ record_name: 'p', record_type: 'A', content: '192.0.2.1', priority: 5 });
  assert.equal(noPriority.body.priority, null, 'only MX and SRV keep a priority');
});

test('a CNAME shares its name with no other record and is never at the apex', async () => {
  const ok = await create({ record_name: 'alias', record_type: 'CNAME', content: 'target.example.net' });
  assert.equal(ok.status, 200);
  await refused({ record_name: 'alias', record_type: 'TXT', content: 'hello' }, /CNAME/);
  await refused({ record_name: 'alias', record_type: 'CNAME', content: 'other.example.net' }, /CNAME/);
  await refused({ record_name: '', record_type: 'CNAME', content: 'x.example.net' }, /apex/);
  await create({ record_name: 'busy', record_type: 'A', content: '192.0.2.1' });
  await refused({ record_name: 'busy', record_type: 'CNAME', content: 'x.example.net' }, /CNAME/);
});

test('updateDnsDomainRecord changes the given fields only and moves the SOA serial; deletes remove it', async () => {
  const serial = async () =>
    Number(
      (await env.cs.ok('listDnsDomainRecords', { id: domainId, record_type: 'SOA' })).records[0].content.split(' ')[2],
    );
  const before = await serial();
  const rec = (await create({ record_name: 'upd', record_type: 'A', content: '192.0.2.10' })).body;
  const upd = await env.cs.ok('updateDnsDomainRecord', {
    name: ZONE,
    record_id: rec.id,
    record_type: 'A',
    record_name: 'upd',
    content: '192.0.2.11',
    ttl: 60,
  });
  assert.deepEqual([upd.id, upd.content, upd.ttl, upd.name], [rec.id, '192.0.2.11', 60, 'upd']);
  const renamed = await env.cs.ok('updateDnsDomainRecord', { id: domainId, record_id: rec.id, record_name: 'moved' });
  assert.deepEqual([renamed.name, renamed.content, renamed.ttl], ['moved', '192.0.2.11', 60]);
  await refused({ record_id: rec.id, content: 'not-an-ip' }, /IPv4/, 'updateDnsDomainRecord');
  await refused({ record_id: rec.id, record_type: 'MX', content: 'mx.example' }, /priority/, 'updateDnsDomainRecord');
  await refused({ record_id: rec.id, ttl: 0 }, /TTL/, 'updateDnsDomainRecord');
  await refused({ record_id: 999999, content: '192.0.2.1' }, /not found/, 'updateDnsDomainRecord');
  assert.equal(await serial(), before + 3, 'create and two updates moved the serial; refused changes did not');
  assert.deepEqual(await env.cs.ok('deleteDnsDomainRecord', { id: domainId, record_id: rec.id }), { success: true });
  await refused({ record_id: rec.id }, /not found/, 'getDnsDomainRecord');
  await refused({ record_id: rec.id }, /not found/, 'deleteDnsDomainRecord');
  assert.equal(await serial(), before + 4);
  const soa = (await env.cs.ok('listDnsDomainRecords', { id: domainId, record_type: 'SOA' })).records[0];
  await refused({ record_id: soa.id }, /SOA records are managed/, 'deleteDnsDomainRecord');
  await refused({ record_id: soa.id, content: 'x' }, /SOA records are managed/, 'updateDnsDomainRecord');
  await refused({}, /missing parameter record_id/, 'getDnsDomainRecord');
});

test('listDnsDomainRecords pages, with count the total', async () => {
  const all = await env.cs.ok('listDnsDomainRecords', { id: domainId });
  const p1 = await env.cs.ok('listDnsDomainRecords', { id: domainId, page: 1, pagesize: 2 });
  const p2 = await env.cs.ok('listDnsDomainRecords', { id: domainId, page: 2, pagesize: 2 });
  assert.equal(p1.count, all.count);
  assert.deepEqual(
    [...p1.records, ...p2.records].map((r: any) => r.id),
    all.records.slice(0, 4).map((r: any) => r.id),
  );
});
