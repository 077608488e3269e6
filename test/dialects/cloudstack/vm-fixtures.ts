/** Fixtures of the VM command tests: catalog lookups, deploys, and rows other command groups would normally create. */
import assert from 'node:assert/strict';
import { constants, privateDecrypt, randomUUID } from 'node:crypto';
import type { TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { generateKeyPair } from '../../../src/core/ssh-keys/crypto.js';

/** Zones, offerings and templates of the seeded catalog. */
export interface Catalog {
  zone: any;
  zone2: any;
  micro: any;
  tiny: any;
  small: any;
  mega: any;
  template: any;
  template2: any;
}

/** Reads the seeded catalog through the API. */
export async function catalog(cs: CsClient): Promise<Catalog> {
  const zones = (await cs.ok('listZones')).zone;
  const offerings = (await cs.ok('listServiceOfferings')).serviceoffering;
  const templates = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template;
  const offering = (name: string) => offerings.find((o: any) => o.name === name);
  const linux = templates.filter(
    (t: any, i: number) => /Linux/.test(t.name) && templates.findIndex((u: any) => u.id === t.id) === i,
  );
  return {
    zone: zones[0],
    zone2: zones[1],
    micro: offering('Micro'),
    tiny: offering('Tiny'),
    small: offering('Small'),
    mega: offering('Mega'),
    template: linux[0],
    template2: linux[1],
  };
}

/** Deploys a Micro VM (running unless startvm says otherwise) and returns the job result. */
export async function deploy(
  cs: CsClient,
  c: Catalog,
  params: Record<string, string | number | boolean | undefined> = {},
): Promise<any> {
  return cs.done('deployVirtualMachine', {
    zoneid: c.zone.id,
    serviceofferingid: c.micro.id,
    templateid: c.template.id,
    ...params,
  });
}

/** Polls a job until it ends and returns its jobresult; a failed job fails the test. */
export async function finish(cs: CsClient, jobid: string): Promise<any> {
  for (let i = 0; i < 1000; i++) {
    const j = await cs.ok('queryAsyncJobResult', { jobid });
    if (j.jobstatus === 1) return j.jobresult;
    assert.equal(j.jobstatus, 0, JSON.stringify(j.jobresult));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${jobid} did not finish`);
}

/** The id of an account by name. */
export async function accountId(env: TestEnv, name: string): Promise<string> {
  const row = await env.rt.store.db
    .selectFrom('accounts')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Stores an RSA key pair for the account as registerSSHKeyPair would, and returns its private key. */
export async function addKeyPair(env: TestEnv, account: string, name: string): Promise<string> {
  const pair = await generateKeyPair(name);
  await env.rt.store.db
    .insertInto('ssh_keys')
    .values({
      id: randomUUID(),
      account_id: await accountId(env, account),
      name,
      fingerprint: pair.fingerprint,
      public_key: pair.publicKey,
      created_at: new Date().toISOString(),
    })
    .execute();
  return pair.privateKey;
}

/** Decrypts getVMPassword's base64 RSA PKCS#1 v1.5 ciphertext; Node 20 refuses that padding in privateDecrypt, so unpad by hand. */
export function decryptPassword(privateKeyPem: string, b64: string): string {
  const block = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_NO_PADDING }, Buffer.from(b64, 'base64'));
  assert.equal(block[0], 0x00);
  assert.equal(block[1], 0x02);
  const separator = block.indexOf(0x00, 2);
  assert.ok(separator >= 10, 'at least eight bytes of non-zero padding');
  return block.subarray(separator + 1).toString('utf8');
}

/** Inserts a group row (security or affinity) for the account, as the group commands would create it. */
export async function addGroup(
  env: TestEnv,
  table: 'security_groups' | 'affinity_groups',
  account: string,
  name: string,
): Promise<string> {
  const id = randomUUID();
  const base = {
    id,
    account_id: await accountId(env, account),
    name,
    description: `${name} group`,
    created_at: new Date().toISOString(),
  };
  if (table === 'security_groups') await env.rt.store.db.insertInto('security_groups').values(base).execute();
  else
    await env.rt.store.db
      .insertInto('affinity_groups')
      .values({ ...base, type: 'host anti-affinity' })
      .execute();
  return id;
}

/** Inserts a template row (private to the account) with the given traits, as registerTemplate would. */
export async function addTemplate(
  env: TestEnv,
  account: string,
  like: any,
  traits: { passwordEnabled?: boolean; ready?: boolean; zoneId?: string | null },
): Promise<string> {
  const id = randomUUID();
  const src = await env.rt.store.db
    .selectFrom('templates')
    .selectAll()
    .where('id', '=', like.id)
    .executeTakeFirstOrThrow();
  await env.rt.store.db
    .insertInto('templates')
    .values({
      ...src,
      id,
      account_id: await accountId(env, account),
      zone_id: traits.zoneId ?? null,
      name: `custom-${id.slice(0, 8)}`,
      featured: 0,
      public: 0,
      ready: traits.ready === false ? 0 : 1,
      password_enabled: traits.passwordEnabled === false ? 0 : 1,
      created_at: new Date().toISOString(),
    })
    .execute();
  return id;
}

/** Inserts a private network of the account: managed ones lease from start..end, unmanaged ones have no range. */
export async function addNetwork(
  env: TestEnv,
  account: string,
  zoneId: string,
  opts: { name: string; range?: [string, string] },
): Promise<string> {
  const id = randomUUID();
  const [start, end] = opts.range ?? [null, null];
  await env.rt.store.db
    .insertInto('networks')
    .values({
      id,
      account_id: await accountId(env, account),
      zone_id: zoneId,
      name: opts.name,
      display_text: opts.name,
      type: 'Isolated',
      cidr: '10.0.0.0/24',
      gateway: null,
      netmask: '255.255.255.0',
      start_ip: start,
      end_ip: end,
      next_ip: start ? ipInt(start) : 0,
      managed: opts.range ? 1 : 0,
      created_at: new Date().toISOString(),
      removed_at: null,
    })
    .execute();
  return id;
}

function ipInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
