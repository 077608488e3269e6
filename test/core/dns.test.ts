import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { systemContext, type CallContext } from '../../src/lib/context.js';
import { CoreError } from '../../src/lib/errors.js';

let env: TestEnv;
let alice: CallContext;
let bob: CallContext;
before(async () => {
  env = await startTestEnv();
  alice = systemContext((await env.rt.core.accounts.accountByName('alice')).id, 'alice');
  await env.account('bob');
  bob = systemContext((await env.rt.core.accounts.accountByName('bob')).id, 'bob');
});
after(async () => {
  await env.close();
});

const code = (kind: string) => (err: unknown) => err instanceof CoreError && err.kind === kind;

test('a new domain gets SOA and NS records from the configuration; every change moves its serial', async () => {
  const dns = env.rt.core.dns;
  const { domain } = await dns.create(alice, 'Core-Example.COM.');
  assert.equal(domain.name, 'core-example.com');
  assert.match(domain.token, /^[0-9a-f]{32}$/);
  const recs = await dns.records(alice, { name: 'core-example.com' });
  assert.deepEqual(
    recs.items.map((r) => [r.name, r.type, r.content.split(' ').slice(0, 2).join(' ')]),
    [
      ['', 'SOA', 'ns1.nube.local hostmaster.nube.local'],
      ['', 'NS', 'ns1.nube.local'],
      ['', 'NS', 'ns2.nube.local'],
    ],
  );
  const { record } = await dns.createRecord(alice, { id: domain.id }, { name: 'www', type: 'a', content: '192.0.2.1' });
  assert.equal((await dns.get(alice, { id: domain.id })).serial, domain.serial + 1);
  await dns.updateRecord(alice, { id: domain.id }, record.id, { content: '192.0.2.2', ttl: 60 });
  await dns.deleteRecord(alice, { id: domain.id }, record.id);
  assert.equal((await dns.get(alice, { id: domain.id })).serial, domain.serial + 3);
  const stored = await env.rt.store.db.selectFrom('dns_domains').selectAll().executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(stored).includes(domain.token), 'the token is stored sealed');
  await assert.rejects(dns.get(bob, { id: domain.id }), code('NotFound'));
  await assert.rejects(dns.create(bob, 'core-example.com'), code('Conflict'));
  const zone = await dns.hostedZone('deep.www.core-example.com.');
  assert.equal(zone?.name, 'core-example.com');
  assert.equal(await dns.hostedZone('example.org.'), undefined);
});

test('state save and load keep domains, records, tokens and serials; a reset removes them', async () => {
  const dns = env.rt.core.dns;
  const { domain } = await dns.create(alice, 'kept.example');
  const { record } = await dns.createRecord(alice, { id: domain.id }, { name: 'www', type: 'A', content: '192.0.2.7' });
  const saved = await dns.get(alice, { id: domain.id });
  const chunks: Buffer[] = [];
  for await (const c of await env.rt.core.state.save()) chunks.push(c as Buffer);
  await dns.delete(alice, { id: domain.id });
  await env.rt.core.state.load(Readable.from([Buffer.concat(chunks)]));
  assert.deepEqual(await dns.get(alice, { id: domain.id }), saved);
  assert.equal((await dns.record(alice, { id: domain.id }, record.id)).content, '192.0.2.7');
  const next = await dns.createRecord(alice, { id: domain.id }, { name: 'new', type: 'A', content: '192.0.2.8' });
  assert.ok(next.record.id > record.id, 'record ids go on after a load');
  await env.rt.core.state.reset();
  assert.equal(await dns.hostedZone('kept.example'), undefined);
});
