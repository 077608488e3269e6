import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { sigmaPair, type SigmaClient } from './sigma-client.js';
import { systemContext } from '../../../src/lib/context.js';
import { macFromNumber } from '../../../src/lib/mac.js';
import { migrate } from '../../../src/store/migrate.js';

const t = sigmaPair();
const server = (name: string, extra: Record<string, string> = {}) => ({ name, cpu: '1000', mem: '512', ...extra });

async function nicOf(serverId: string) {
  return t.env.rt.store.db
    .selectFrom('nics')
    .selectAll()
    .where('vm_id', '=', serverId)
    .where('device_id', '=', 0)
    .executeTakeFirstOrThrow();
}

/** The MAC the first NIC of the VM created `ahead` VMs from now would get from its serial. */
async function automaticMacAhead(ahead: number): Promise<string> {
  const c = await t.env.rt.store.db
    .selectFrom('counters')
    .select('value')
    .where('name', '=', 'vm_serial')
    .executeTakeFirstOrThrow();
  return macFromNumber((Number(c.value) + ahead) * 16);
}

async function activateIp6(account: string, nicId: string): Promise<string> {
  const ctx = systemContext((await t.env.rt.core.accounts.accountByName(account)).id, account);
  await t.env.rt.core.nics.activateIp6(ctx, nicId);
  return (await t.env.rt.core.nics.get(ctx, nicId)).ip6Address!;
}

/** A refused create with the MAC replaced, so answers for different MACs can be compared. */
async function refusal(who: SigmaClient, mac: string): Promise<string> {
  const r = await who.req('POST', '/servers/create', server('refused', { 'nic:0:mac': mac }));
  return `${r.status} ${r.text.split(mac).join('<mac>')}`;
}

test("a MAC chosen by one account is never given to another account's NIC, and their IPv6 addresses differ", async () => {
  // Carol's create takes the next serial; the one after is dave's, whose automatic MAC she tries to take first.
  const davesNext = await automaticMacAhead(2);
  const forced = await t.carol.req('POST', '/servers/create', server('takes-next', { 'nic:0:mac': davesNext }));
  assert.equal(forced.status, 400, "Nube's own MAC range is not for users: another VM's automatic MAC cannot be taken");
  const carol = (await t.carol.post('/servers/create', server('carol-mac', { 'nic:0:mac': '02:00:00:00:0a:01' })))
    .record.server!;
  // A MAC in Nube's range chosen before that rule (or written by an older Nube) is skipped by automatic allocation.
  const planted = await automaticMacAhead(1);
  await t.env.rt.store.db
    .updateTable('nics')
    .set({ mac_address: planted })
    .where('id', '=', (await nicOf(carol)).id)
    .execute();
  const dave = (await t.dave.post('/servers/create', server('dave-auto'))).record;
  assert.notEqual(dave['nic:0:mac'], planted, "the automatic MAC skips the one carol's NIC has");
  assert.equal((await nicOf(dave.server!)).mac_address, dave['nic:0:mac']);
  const [a, b] = [
    await activateIp6('carol', (await nicOf(carol)).id),
    await activateIp6('dave', (await nicOf(dave.server!)).id),
  ];
  assert.notEqual(a, b, 'IPv6 addresses derived from the MACs differ');
  const live = await t.env.rt.store.db
    .selectFrom('nics')
    .select(['mac_address', 'ip6_address'])
    .where('removed_at', 'is', null)
    .execute();
  assert.equal(new Set(live.map((n) => n.mac_address)).size, live.length, 'no two live NICs share a MAC');
  const ip6s = live.map((n) => n.ip6_address).filter((x) => x !== null);
  assert.equal(new Set(ip6s).size, ip6s.length, 'no two live NICs share an IPv6 address');
});

test('a MAC another account uses is refused exactly like any unusable MAC, revealing nothing about that account', async () => {
  await t.carol.post('/servers/create', server('carol-own', { 'nic:0:mac': '02:00:00:00:0b:01' }));
  const taken = await refusal(t.dave, '02:00:00:00:0b:01');
  assert.match(taken, /^400 /);
  assert.doesNotMatch(taken, /already|another account|in use by|carol/i);
  assert.equal(taken, await refusal(t.dave, '03:00:00:00:0b:01'), 'same answer as a multicast MAC');
  assert.equal(taken, await refusal(t.dave, '06:00:00:00:0b:01'), "same answer as a MAC in Nube's range");
  assert.equal(
    taken,
    await refusal(t.carol, '02:00:00:00:0b:01'),
    "same answer as a MAC of the caller's own other server",
  );
});

test('a server keeps its MAC when set again, and a new MAC gets a new IPv6 address so none is left behind for another NIC', async () => {
  const s = (await t.carol.post('/servers/create', server('re-mac', { 'nic:0:mac': '02:00:00:00:0c:01' }))).record
    .server!;
  const before = await activateIp6('carol', (await nicOf(s)).id);
  await t.carol.post(`/servers/${s}/set`, { 'nic:0:mac': '02:00:00:00:0c:01' });
  await t.carol.post(`/servers/${s}/set`, { 'nic:0:mac': '02:00:00:00:0c:02' });
  const nic = await nicOf(s);
  assert.equal(nic.mac_address, '02:00:00:00:0c:02');
  assert.notEqual(nic.ip6_address, before);
  const other = (await t.dave.post('/servers/create', server('old-mac', { 'nic:0:mac': '02:00:00:00:0c:01' }))).record
    .server!;
  assert.equal(
    await activateIp6('dave', (await nicOf(other)).id),
    before,
    'the freed MAC and its address are reusable',
  );
});

test('two accounts setting one MAC at once: one gets it, the other the usual refusal (the database decides)', async () => {
  const mac = '02:00:00:00:0d:01';
  const c = (await t.carol.post('/servers/create', server('race-c'))).record.server!;
  const d = (await t.dave.post('/servers/create', server('race-d'))).record.server!;
  const [a, b] = await Promise.all([
    t.carol.req('POST', `/servers/${c}/set`, { 'nic:0:mac': mac }),
    t.dave.req('POST', `/servers/${d}/set`, { 'nic:0:mac': mac }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 400], `${a.text} / ${b.text}`);
  const loser = a.status === 400 ? a : b;
  assert.equal(`${loser.status} ${loser.text.split(mac).join('<mac>')}`, await refusal(t.dave, '03:00:00:00:0d:01'));
  const live = await t.env.rt.store.db
    .selectFrom('nics')
    .select('id')
    .where('mac_address', '=', mac)
    .where('removed_at', 'is', null)
    .execute();
  assert.equal(live.length, 1);
});

test("the database refuses a second live NIC with a MAC; a destroyed server's NIC no longer holds its MAC", async () => {
  const s = (await t.carol.post('/servers/create', server('db-mac', { 'nic:0:mac': '02:00:00:00:0e:01' }))).record
    .server!;
  const nic = await nicOf(s);
  const copy = { ...nic, id: '00000000-0000-4000-8000-0000000000e1', device_id: 1, is_default: 0 };
  await assert.rejects(t.env.rt.store.db.insertInto('nics').values(copy).execute());
  await t.carol.post(`/servers/${s}/destroy`, undefined, 204);
  assert.ok((await nicOf(s)).removed_at, 'the NIC of a removed VM is no longer live');
  await t.dave.post('/servers/create', server('db-mac-2', { 'nic:0:mac': '02:00:00:00:0e:01' }));
});

test("migration 0009 gives duplicate live MACs (and their IPv6 addresses) new values, keeping the oldest NIC's", async () => {
  const db = t.env.rt.store.db;
  const a = (await t.carol.post('/servers/create', server('dup-a'))).record.server!;
  const b = (await t.dave.post('/servers/create', server('dup-b'))).record.server!;
  const gone = (await t.dave.post('/servers/create', server('dup-gone'))).record.server!;
  await t.dave.post(`/servers/${gone}/destroy`, undefined, 204);
  const [nicA, nicB] = [await nicOf(a), await nicOf(b)];
  await activateIp6('carol', nicA.id);
  // Back to the schema before 0009, with the collision the old allocation made.
  await sql`drop index nics_live_mac`.execute(db);
  await sql`drop index nics_live_ip6`.execute(db);
  await sql`alter table nics drop column removed_at`.execute(db);
  await sql`delete from nube_migrations where name = '0009-nic-unique-macs'`.execute(db);
  await sql`update nics set mac_address = ${nicA.mac_address}, ip6_address = (select ip6_address from nics where id = ${nicA.id}) where id = ${nicB.id}`.execute(
    db,
  );
  await sql`update nics set mac_address = ${nicA.mac_address} where vm_id = ${gone}`.execute(db);
  assert.deepEqual(await migrate(t.env.rt.store), ['0009-nic-unique-macs']);
  const [afterA, afterB] = [await nicOf(a), await nicOf(b)];
  assert.equal(afterA.mac_address, nicA.mac_address, 'the oldest NIC keeps its MAC');
  assert.notEqual(afterB.mac_address, nicA.mac_address);
  assert.ok(
    afterB.ip6_address && afterB.ip6_address !== afterA.ip6_address,
    "the moved NIC's IPv6 address follows its new MAC",
  );
  assert.ok((await nicOf(gone)).removed_at, 'NICs of removed VMs are marked removed and keep their MAC');
});
