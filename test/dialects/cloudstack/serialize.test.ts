import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { toJson, toXml } from '../../../src/dialects/cloudstack/serialize.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  isArray: (name) => name === 'zone' || name === 'tags',
});

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

test('toJson wraps the body in one response key', () => {
  const body = { count: 1, zone: [{ id: 'z1', name: 'ch-gva-2' }] };
  assert.deepEqual(JSON.parse(toJson('listzonesresponse', body)), { listzonesresponse: body });
  assert.equal(toJson('deletevolumeresponse', { success: 'true' }), '{"deletevolumeresponse":{"success":"true"}}');
  assert.equal(toJson('x', { created: '2024-05-01T12:00:00+0000' }), '{"x":{"created":"2024-05-01T12:00:00+0000"}}');
});

test('toXml round-trips a list body through XMLParser', () => {
  const tricky = `a<b&c>d"e'f`;
  const body = {
    count: 2,
    zone: [
      { id: 'z1', name: tricky, allocationstate: 'Enabled', localstorageenabled: true, tags: [], domain: null },
      {
        id: 'z2',
        name: 'ch-dk-2',
        securitygroupsenabled: false,
        tags: [{ key: 'k', value: 'v & w' }],
        dns1: undefined,
      },
    ],
  };
  const xml = toXml('listzonesresponse', body);
  assert.ok(xml.startsWith(`${DECL}<listzonesresponse cloud-stack-version="4.11.0">`), xml);
  assert.ok(xml.endsWith('</listzonesresponse>'), xml);
  assert.ok(xml.includes('<count>2</count><zone>'), xml);
  assert.equal(xml.match(/<zone>/g)?.length, 2, 'one <zone> per item');
  assert.ok(!xml.includes(tricky), 'special characters are escaped');
  assert.ok(xml.includes('a&lt;b&amp;c&gt;d'), xml);
  assert.ok(!xml.includes('<domain'), 'null members are omitted');
  assert.ok(!xml.includes('<dns1'), 'undefined members are omitted');
  assert.equal(xml.match(/<tags>/g)?.length, 1, 'an empty array produces no element');

  const doc = parser.parse(xml);
  const root = doc.listzonesresponse;
  assert.equal(root['@_cloud-stack-version'], '4.11.0');
  assert.equal(root.count, '2');
  assert.equal(root.zone.length, 2);
  assert.equal(root.zone[0].id, 'z1');
  assert.equal(root.zone[0].name, tricky);
  assert.equal(root.zone[0].localstorageenabled, 'true');
  assert.equal(root.zone[0].tags, undefined);
  assert.equal(root.zone[1].securitygroupsenabled, 'false');
  assert.deepEqual(root.zone[1].tags, [{ key: 'k', value: 'v & w' }]);
});

test('toXml repeats array elements and drops empty arrays', () => {
  const xml = toXml('listtagsresponse', { count: 0, tag: [] });
  assert.equal(xml, `${DECL}<listtagsresponse cloud-stack-version="4.11.0"><count>0</count></listtagsresponse>`);
  const many = toXml('r', { n: [1, 2, 3] });
  assert.equal(many, `${DECL}<r cloud-stack-version="4.11.0"><n>1</n><n>2</n><n>3</n></r>`);
});

test('toXml handles scalars, empty bodies, dates and characters XML cannot carry', () => {
  assert.equal(toXml('r', {}), `${DECL}<r cloud-stack-version="4.11.0"></r>`);
  assert.equal(toXml('r', null), `${DECL}<r cloud-stack-version="4.11.0"></r>`);
  assert.equal(toXml('r', { success: 'true' }), `${DECL}<r cloud-stack-version="4.11.0"><success>true</success></r>`);
  assert.equal(toXml('r', { a: 0, b: '' }), `${DECL}<r cloud-stack-version="4.11.0"><a>0</a><b></b></r>`);
  assert.equal(
    toXml('r', { created: new Date('2024-05-01T12:00:00Z') }),
    `${DECL}<r cloud-stack-version="4.11.0"><created>2024-05-01T12:00:00+0000</created></r>`,
  );
  const ctl = parser.parse(toXml('r', { name: 'a\u0001b\uD800c' }));
  assert.equal(ctl.r.name, 'a\uFFFDb\uFFFDc');
  const jobresult = parser.parse(
    toXml('queryasyncjobresultresponse', {
      jobstatus: 1,
      jobresult: { virtualmachine: { id: 'v', nic: [{ ipaddress: '10.0.0.1' }] } },
    }),
  );
  assert.equal(jobresult.queryasyncjobresultresponse.jobresult.virtualmachine.nic.ipaddress, '10.0.0.1');
});
