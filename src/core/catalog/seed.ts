/** First-start catalog: zones with simulated hosts, the seed's service offerings, disk offerings, OS types, templates. */
import type { Q } from '../../store/db.js';
import type { Config } from '../../config.js';
import type { DriverSeed } from '../../drivers/compute/driver.js';
import { newId, nowIso } from '../../lib/util.js';
import { stableId } from '../../lib/stable-id.js';
import { ipv4ToInt } from '../net/ip.js';

/** The zones Nube creates on first start: a guest network and an elastic-IP pool each. */
export const SEED_ZONES = [
  {
    name: 'ch-gva-2',
    id: '1128bd56-b4d9-4ac6-a7b9-c715b187ce11',
    description: 'Geneva, Switzerland',
    guest: '100.64.0.0/12',
    gateway: '100.64.0.1',
    eip: ['198.51.100.2', '198.51.100.254'],
  },
  {
    name: 'de-fra-1',
    id: stableId('zone:de-fra-1'),
    description: 'Frankfurt, Germany',
    guest: '100.80.0.0/12',
    gateway: '100.80.0.1',
    eip: ['203.0.113.2', '203.0.113.254'],
  },
];

/** Service offerings as seed 004 lists them (name, text, vCPUs, memory MB, authorized, the id it shows). */
export const SEED_OFFERINGS = [
  ['Micro', 'Micro 512mb 1cpu', 1, 512, true, '71004023-bb72-4a97-b1e9-bc66dfce9470'],
  ['Tiny', 'Tiny 1024mb 1cpu', 1, 1024, true, 'b6cd1ff5-3a2f-4e9d-a4d1-8988c1191fe8'],
  ['Small', 'Small 2048mb 2cpu', 2, 2048, true, '21624abb-764e-4def-81d7-9fc54b5957fb'],
  ['Medium', 'Medium 4096mb 2cpu', 2, 4096, true, 'b6e9d1e8-89fc-4db3-aaa4-9b4c5b1d0844'],
  ['Large', 'Large 8192mb 4cpu', 4, 8192, true, 'c6f99499-7f59-4138-9427-a09db13af2bc'],
  ['Extra-large', 'Extra-large 16384mb 4cpu', 4, 16384, true, '350dc5ea-fe6d-42ba-b6c0-efb8b75617ad'],
  ['Huge', 'Huge 32768mb 8cpu', 8, 32768, true, 'a216b0d1-370f-4e21-a0eb-3dfc6302b564'],
  ['Mega', 'Mega 64gb 12cpu', 12, 65536, false, 'c0d3fb5d-6fdb-4a63-9361-3e5cfa8b36d0'],
  ['Titan', 'Titan 128gb 16cpu', 16, 131072, false, '74bfaf4e-7d67-4adf-9322-12b9a36e84f7'],
  ['GPU-small', 'GPU small 1gpu 60gb 12cpu', 12, 57344, true, '07246b95-bbe4-498f-92a3-ce5be4d38342'],
  ['GPU-huge', 'GPU huge 4gpu 240gb 48cpu', 48, 230400, true, 'dee65287-12cf-4e36-b635-32dbc9a2e909'],
] as const;

const GIB = 1024 ** 3;

/** OS types; seed 004 shows the id of "Other (64-bit)", the rest get stable ids of their description. */
const OS_TYPES = [
  ['Debian GNU/Linux 12 (64-bit)', 'Debian'],
  ['Ubuntu 22.04 LTS', 'Ubuntu'],
  ['Ubuntu 24.04 LTS', 'Ubuntu'],
  ['Rocky Linux 9', 'CentOS'],
  ['Windows Server 2022 (64-bit)', 'Windows'],
  ['Other (64-bit)', 'Other'],
] as const;

/** The OS type ids seed 004 shows. */
const KNOWN_OS_TYPE_IDS: Readonly<Record<string, string>> = {
  'Other (64-bit)': '8fec0e5f-345a-4681-b077-6792fd09cd22',
};

const TEMPLATES = [
  { name: 'Linux Debian 12 (Bookworm) 64-bit', os: 0, size: 10, user: 'debian', pw: true },
  { name: 'Linux Ubuntu 22.04 LTS 64-bit', os: 1, size: 10, user: 'ubuntu', pw: true },
  { name: 'Linux Ubuntu 24.04 LTS 64-bit', os: 2, size: 10, user: 'ubuntu', pw: true },
  { name: 'Linux Rocky 9 64-bit', os: 3, size: 10, user: 'rocky', pw: true },
  { name: 'Windows Server 2022 64-bit', os: 4, size: 50, user: 'Administrator', pw: true },
];

/** The store lock every seeding step holds, so processes starting together on one PostgreSQL database seed once. */
export const SEED_LOCK = 'nube:catalog-seed';

/**
 * Seeds the catalog once (call it holding SEED_LOCK in the same transaction); returns false when it was already there.
 * Every row gets a fixed id (seed 004's where it shows one, else stableId of its kind and name), the same on every
 * machine; an existing catalog keeps the ids it was given.
 */
export async function seedCatalog(q: Q, cfg: Config): Promise<boolean> {
  const done = await q.selectFrom('meta').select('value').where('key', '=', 'catalog_seeded').executeTakeFirst();
  if (done) return false;
  const now = nowIso();
  for (const z of SEED_ZONES) {
    const zoneId = z.id;
    await q
      .insertInto('zones')
      .values({ id: zoneId, name: z.name, description: z.description, network_type: 'Basic', created_at: now })
      .execute();
    // Under qemu every host is this machine: one per zone, its capacity set from the machine by the qemu seeding step.
    for (let i = 1; i <= (cfg.driver === 'qemu' ? 1 : cfg.sim.hostsPerZone); i++) {
      await q
        .insertInto('hosts')
        .values({
          id: stableId(`host:${z.name}-host-${String(i).padStart(2, '0')}`),
          zone_id: zoneId,
          name: `${z.name}-host-${String(i).padStart(2, '0')}`,
          state: 'up',
          driver: cfg.driver,
          cpu_count: cfg.sim.hostCpus,
          cpu_mhz: 2198,
          cpu_used_mhz: 0,
          mem_total: cfg.sim.hostMemMb * 1024 * 1024,
          mem_used: 0,
          disk_total: cfg.sim.hostDiskGb * GIB,
          disk_used: 0,
          vm_count: 0,
          details: '{}',
          created_at: now,
        })
        .execute();
    }
    const [base, prefix] = z.guest.split('/') as [string, string];
    const first = ipv4ToInt(base);
    const last = first + 2 ** (32 - Number(prefix)) - 1;
    await q
      .insertInto('networks')
      .values({
        id: stableId(`network:${z.name}:guestNetworkForBasicZone`),
        account_id: null,
        zone_id: zoneId,
        name: 'guestNetworkForBasicZone',
        display_text: 'guestNetworkForBasicZone',
        type: 'Shared',
        cidr: z.guest,
        gateway: z.gateway,
        netmask: prefixMask(Number(prefix)),
        start_ip: intToIp(first + 2),
        end_ip: intToIp(last - 1),
        next_ip: first + 2,
        managed: 1,
        created_at: now,
        removed_at: null,
      })
      .execute();
    await q
      .insertInto('networks')
      .values({
        id: stableId(`network:${z.name}:elasticIpPool`),
        account_id: null,
        zone_id: zoneId,
        name: 'elasticIpPool',
        display_text: 'Elastic IP pool',
        type: 'ElasticIP',
        cidr: `${z.eip[0]!.replace(/\.\d+$/, '.0')}/24`,
        gateway: null,
        netmask: '255.255.255.0',
        start_ip: z.eip[0]!,
        end_ip: z.eip[1]!,
        next_ip: ipv4ToInt(z.eip[0]!),
        managed: 1,
        created_at: now,
        removed_at: null,
      })
      .execute();
  }
  for (const [name, text, cpus, mem, authorized, id] of SEED_OFFERINGS) {
    const gpu = name.startsWith('GPU');
    await q
      .insertInto('service_offerings')
      .values({
        id,
        name,
        display_text: text,
        cpu_number: cpus,
        cpu_speed: 2198,
        memory: mem,
        authorized: authorized ? 1 : 0,
        host_tags: gpu ? 'GPU' : null,
        gpu: gpu ? 1 : 0,
        created_at: now,
        details: gpu
          ? JSON.stringify({ pciCardinality: name === 'GPU-small' ? '1' : '4', pciDevice: '15f8', pciVendor: '10de' })
          : null,
      })
      .execute();
  }
  for (const [name, size, custom] of [
    ['Small', 10, 0],
    ['Medium', 50, 0],
    ['Large', 100, 0],
    ['Custom', 0, 1],
  ] as const) {
    await q
      .insertInto('disk_offerings')
      .values({
        id: stableId(`disk-offering:${name}`),
        name,
        display_text: custom ? 'Custom size disk' : `${name} ${size}GB disk`,
        disk_size: size * GIB,
        customized: custom,
        created_at: now,
      })
      .execute();
  }
  const osIds: string[] = [];
  for (const [description, category] of OS_TYPES) {
    const id = KNOWN_OS_TYPE_IDS[description] ?? stableId(`os-type:${description}`);
    osIds.push(id);
    await q
      .insertInto('os_types')
      .values({ id, description, category_id: categoryId(category), category_name: category })
      .execute();
  }
  for (const t of TEMPLATES) {
    await q
      .insertInto('templates')
      .values({
        id: stableId(`template:${t.name}`),
        account_id: null,
        zone_id: null,
        name: t.name,
        display_text: `${t.name} ${t.size}GB Disk`,
        size: t.size * GIB,
        format: 'QCOW2',
        os_type_id: osIds[t.os]!,
        featured: 1,
        public: 1,
        ready: 1,
        password_enabled: t.pw ? 1 : 0,
        sshkey_enabled: 1,
        checksum: null,
        url: null,
        details: JSON.stringify({ username: t.user }),
        boot_mode: 'legacy',
        template_type: 'USER',
        state: 'Ready',
        created_at: now,
        removed_at: null,
      })
      .execute();
  }
  await q
    .insertInto('counters')
    .values([{ name: 'vm_serial', value: 0 }])
    .execute();
  await q.insertInto('meta').values({ key: 'catalog_seeded', value: now }).execute();
  return true;
}

function categoryId(name: string): string {
  const h = Buffer.from(name.padEnd(16, '-')).toString('hex').slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function prefixMask(prefix: number): string {
  return intToIp(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A driver's step of seeding (every start of a driver that has one): lists its templates as featured (updating ones listed before) and gives its hosts the details and capacity it reports. */
export async function seedDriverCatalog(q: Q, driver: string, seed: DriverSeed): Promise<void> {
  const now = nowIso();
  for (const tpl of seed.templates) {
    const details = JSON.stringify(tpl.details);
    const existing = await q
      .selectFrom('templates')
      .select('id')
      .where('name', '=', tpl.name)
      .where('account_id', 'is', null)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (existing) {
      await q
        .updateTable('templates')
        .set({ checksum: tpl.checksum, details, ready: 1, state: 'Ready' })
        .where('id', '=', existing.id)
        .execute();
      continue;
    }
    const os = await q.selectFrom('os_types').select('id').where('description', '=', tpl.osType).executeTakeFirst();
    await q
      .insertInto('templates')
      .values({
        id: newId(),
        account_id: null,
        zone_id: null,
        name: tpl.name,
        display_text: `${tpl.name} ${Math.ceil(tpl.size / GIB)}GB Disk`,
        size: tpl.size,
        format: 'QCOW2',
        os_type_id: os?.id ?? '',
        featured: 1,
        public: 1,
        ready: 1,
        password_enabled: tpl.passwordEnabled ? 1 : 0,
        sshkey_enabled: tpl.sshKeyEnabled ? 1 : 0,
        checksum: tpl.checksum,
        url: null,
        details,
        boot_mode: 'legacy',
        template_type: 'USER',
        state: 'Ready',
        created_at: now,
        removed_at: null,
      })
      .execute();
  }
  const h = seed.hosts;
  await q
    .updateTable('hosts')
    .set({
      details: JSON.stringify(h.details),
      cpu_count: h.cpus,
      cpu_mhz: h.cpuMhz,
      mem_total: h.memBytes,
      disk_total: h.diskBytes,
    })
    .where('driver', '=', driver)
    .execute();
}
