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

test('deleteRecords deletes the listed records of the domain in one go, passing over others’ ids; the SOA stops all', async () => {
  const dns = env.rt.core.dns;
  const { domain } = await dns.create(alice, 'bulk-core.example');
  const ref = { id: domain.id };
  const ids: number[] = [];
  for (const name of ['a', 'b', 'c', 'd'])
    ids.push((await dns.createRecord(alice, ref, { name, type: 'A', content: '192.0.2.30' })).record.id);
  const { domain: other } = await dns.create(bob, 'bulk-other.example');
  const theirs = (await dns.createRecord(bob, { id: other.id }, { name: 'x', type: 'A', content: '192.0.2.31' })).record
    .id;
  const soa = (await dns.records(alice, ref, { type: 'SOA' })).items[0]!.id;
  const serial = (await dns.get(alice, ref)).serial;
  await assert.rejects(dns.deleteRecords(alice, ref, [ids[0]!, soa]), code('Invalid'));
  await assert.rejects(dns.deleteRecords(alice, ref, [999999999, theirs]), code('NotFound'));
  await assert.rejects(dns.deleteRecords(alice, ref, []), code('NotFound'));
  await assert.rejects(dns.deleteRecords(bob, ref, [ids[0]!]), code('NotFound'));
  assert.equal((await dns.records(alice, ref)).count, 7, 'nothing was deleted');
  assert.equal((await dns.get(alice, ref)).serial, serial, 'nor the serial moved');

  const receipts = await dns.deleteRecords(alice, ref, [ids[1]!, 999999999, ids[0]!, theirs, ids[0]!]);
  assert.deepEqual(
    receipts.map((r) => r.objectId),
    [String(ids[0]), String(ids[1])],
  );
  assert.equal(new Set(receipts.map((r) => r.taskId)).size, 2, 'one logged change per deleted record');
  assert.equal((await dns.get(alice, ref)).serial, serial + 2, 'the serial moves once per deleted record');
  assert.deepEqual(
    (await dns.records(alice, ref)).items.map((r) => [r.name, r.type]),
    [
      ['', 'SOA'],
      ['', 'NS'],
      ['', 'NS'],
      ['c', 'A'],
      ['d', 'A'],
    ],
  );
  assert.equal((await dns.record(bob, { id: other.id }, theirs)).id, theirs, 'another domain’s record stays');
});

test('an admin lists and reads every account’s domains when it asks to; anyone else reads only their own', async () => {
  const dns = env.rt.core.dns;
  const { domain: mine } = await dns.create(alice, 'scope-alice.example');
  const { domain: theirs } = await dns.create(bob, 'scope-bob.example');
  const user: CallContext = { ...bob, isAdmin: false };
  const names = async (ctx: CallContext, allAccounts?: boolean) =>
    (await dns.list(ctx, { allAccounts })).items.map((d) => d.name);
  assert.ok(!(await names(alice)).includes('scope-bob.example'), 'own domains unless asked');
  const every = (await dns.list(alice, { allAccounts: true })).items;
  assert.ok(every.some((d) => d.name === 'scope-alice.example'));
  const seen = every.find((d) => d.name === 'scope-bob.example');
  assert.deepEqual([seen?.accountId, seen?.accountName], [bob.accountId, 'bob'], 'shown with its own owner');
  const asUser = await dns.list(user, { allAccounts: true });
  assert.ok(asUser.items.length > 0 && asUser.items.every((d) => d.accountId === bob.accountId));
  assert.equal(asUser.count, asUser.items.length);

  assert.equal((await dns.get(alice, { name: 'scope-bob.example' }, { allAccounts: true })).accountName, 'bob');
  await assert.rejects(dns.get(alice, { name: 'scope-bob.example' }), code('NotFound'));
  await assert.rejects(dns.get(user, { name: 'scope-alice.example' }, { allAccounts: true }), code('NotFound'));
  assert.equal((await dns.records(alice, { id: theirs.id }, { allAccounts: true })).count, 3);
  await assert.rejects(dns.records(user, { id: mine.id }, { allAccounts: true }), code('NotFound'));
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
