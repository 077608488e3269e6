/** Fills an account with running VMs fast, writing the rows a finished deploy leaves behind, for list benchmarks at scale. */
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Store } from '../src/store/db.js';
import type { DB } from '../src/store/schema.js';
import { intToIpv4, ipv4ToInt, macFromNumber } from '../src/core/net/ip.js';
import { MasterKey } from '../src/core/accounts/secrets.js';
import { bumpLiveVms } from '../src/core/vms/counts.js';
import { syncSerialSequence } from '../src/store/vm-serials.js';

const MIB = 1024 * 1024;
const BATCH = 1000;

/** Inserts `count` running VMs into the named account: VM, ROOT volume, NIC + lease, default group, finished vm.create task and its log, sim domain, host capacity. */
export async function populateVms(store: Store, dataDir: string, accountName: string, count: number): Promise<void> {
  const db: Kysely<DB> = store.db;
  const account = await db.selectFrom('accounts').selectAll().where('name', '=', accountName).executeTakeFirstOrThrow();
  const user = await db.selectFrom('users').select('id').where('account_id', '=', account.id).executeTakeFirstOrThrow();
  const zone = await db.selectFrom('zones').selectAll().orderBy('name').executeTakeFirstOrThrow();
  const hosts = await db.selectFrom('hosts').selectAll().where('zone_id', '=', zone.id).orderBy('name').execute();
  const offering = await db
    .selectFrom('service_offerings')
    .selectAll()
    .where('name', '=', 'Micro')
    .executeTakeFirstOrThrow();
  const template = await db
    .selectFrom('templates')
    .selectAll()
    .where('featured', '=', 1)
    .orderBy('name')
    .executeTakeFirstOrThrow();
  const network = await db
    .selectFrom('networks')
    .selectAll()
    .where('zone_id', '=', zone.id)
    .where('type', '=', 'Shared')
    .executeTakeFirstOrThrow();
  const group = await db
    .selectFrom('security_groups')
    .select('id')
    .where('account_id', '=', account.id)
    .where('name', '=', 'default')
    .executeTakeFirst();
  const passwordEnc = template.password_enabled === 1 ? MasterKey.load(dataDir).encrypt('benchpassword') : null;
  const mem = Number(offering.memory) * MIB;
  const mhz = Number(offering.cpu_number) * Number(offering.cpu_speed);
  const base = Date.now() - count * 10;
  const perHost = new Map<string, number>();

  for (let done = 0; done < count; done += BATCH) {
    const n = Math.min(BATCH, count - done);
    await store.tx(async (trx) => {
      const serialRow = await trx
        .updateTable('counters')
        .set((eb) => ({ value: eb('value', '+', n) }))
        .where('name', '=', 'vm_serial')
        .returning('value')
        .executeTakeFirstOrThrow();
      const firstSerial = Number(serialRow.value) - n + 1;
      await bumpLiveVms(trx, store.kind, account.id, n);
      const netRow = await trx
        .selectFrom('networks')
        .select('next_ip')
        .where('id', '=', network.id)
        .executeTakeFirstOrThrow();
      const firstIp = Math.max(Number(netRow.next_ip), ipv4ToInt(network.start_ip!));
      const rows = Array.from({ length: n }, (_, i) => {
        const serial = firstSerial + i;
        const at = new Date(base + (done + i) * 10).toISOString();
        const host = hosts[(done + i) % hosts.length]!;
        perHost.set(host.id, (perHost.get(host.id) ?? 0) + 1);
        return { id: randomUUID(), serial, at, host: host.id, ip: firstIp + i, nic: randomUUID(), task: randomUUID() };
      });
      await trx
        .insertInto('vms')
        .values(
          rows.map((r) => ({
            id: r.id,
            serial: r.serial,
            account_id: account.id,
            zone_id: zone.id,
            host_id: r.host,
            name: `bench-${r.serial}`,
            display_name: `bench-${r.serial}`,
            group_name: null,
            state: 'running',
            power: 'running',
            service_offering_id: offering.id,
            template_id: template.id,
            cpu_number: offering.cpu_number,
            cpu_speed: offering.cpu_speed,
            memory: offering.memory,
            keypair: null,
            userdata: null,
            password_enc: passwordEnc,
            ha_enable: 0,
            display_vm: 1,
            root_disk_size: template.size,
            created_at: r.at,
            updated_at: r.at,
            removed_at: null,
          })),
        )
        .execute();
      await trx
        .insertInto('volumes')
        .values(
          rows.map((r) => ({
            id: randomUUID(),
            account_id: account.id,
            zone_id: zone.id,
            name: `ROOT-${r.serial}`,
            type: 'ROOT',
            size: template.size,
            disk_offering_id: null,
            template_id: template.id,
            vm_id: r.id,
            device_id: 0,
            state: 'Ready',
            created_at: r.at,
            attached_at: r.at,
            removed_at: null,
          })),
        )
        .execute();
      await trx
        .insertInto('nics')
        .values(
          rows.map((r) => ({
            id: r.nic,
            vm_id: r.id,
            network_id: network.id,
            ip_address: intToIpv4(r.ip),
            ip6_address: null,
            mac_address: macFromNumber(r.serial * 16),
            is_default: 1,
            device_id: 0,
            created_at: r.at,
          })),
        )
        .execute();
      await trx
        .insertInto('ip_leases')
        .values(rows.map((r) => ({ network_id: network.id, address: r.ip, owner_id: r.nic })))
        .execute();
      await trx
        .updateTable('networks')
        .set({ next_ip: firstIp + n })
        .where('id', '=', network.id)
        .execute();
      if (group)
        await trx
          .insertInto('vm_security_groups')
          .values(rows.map((r) => ({ vm_id: r.id, group_id: group.id })))
          .execute();
      await trx
        .insertInto('tasks')
        .values(
          rows.map((r) => ({
            id: r.task,
            account_id: account.id,
            user_id: user.id,
            kind: 'vm.create',
            object_type: 'virtual machine',
            object_id: r.id,
            exclusive: 1,
            status: 'SUCCESS',
            payload: JSON.stringify({ start: true }),
            result: JSON.stringify({ type: 'vm', id: r.id }),
            error: null,
            origin: 'cloudstack:deployVirtualMachine',
            attempts: 1,
            lease_owner: null,
            lease_until: null,
            created_at: r.at,
            started_at: r.at,
            finished_at: r.at,
          })),
        )
        .execute();
      await trx
        .insertInto('task_log')
        .values(
          rows.flatMap((r) =>
            ['PENDING', 'SUCCESS'].map((status) => ({
              task_id: r.task,
              account_id: account.id,
              user_id: user.id,
              object_type: 'virtual machine',
              object_id: r.id,
              action: 'vm.create',
              status,
              detail: null,
              created_at: r.at,
            })),
          ),
        )
        .execute();
      await trx
        .insertInto('sim_domains')
        .values(rows.map((r) => ({ vm_id: r.id, host_id: r.host, power: 'running', started_at: r.at, boot_count: 1 })))
        .execute();
    });
  }
  await store.tx(async (trx) => {
    for (const [hostId, k] of perHost) {
      await trx
        .updateTable('hosts')
        .set((eb) => ({
          mem_used: eb('mem_used', '+', mem * k),
          cpu_used_mhz: eb('cpu_used_mhz', '+', mhz * k),
          vm_count: eb('vm_count', '+', k),
        }))
        .where('id', '=', hostId)
        .execute();
    }
  });
  await syncSerialSequence(store.db, store.kind);
}
