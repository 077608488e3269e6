/**
 * Applies a seed once per store: its accounts (with the credentials it fixes), then each account's SSH keys,
 * networks, volumes, VMs and DNS domains with their records, all through the core so they are what the API would have made. Every reference (zone,
 * offering, template, SSH key, network) is checked before anything is created; a settings row records the seed as
 * applied, so later starts (and other processes on the same database) leave it alone.
 */
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../../runtime.js';
import { systemContext } from '../../lib/context.js';
import { CoreError } from '../../lib/errors.js';
import { ConfigError } from '../../config.js';
import { deleteSetting, readSetting, SETTINGS, writeSettingOnce } from '../../store/settings.js';
import type { TaskReceipt } from '../../core/receipt.js';
import { readSeed, seedError, type SeedSource } from './read.js';
import type { SeedAccount, SeedDoc } from './schema.js';
import { applyChaosSeed, type ChaosSeedSpec } from '../../core/chaos/seed-file.js';

export type { SeedSource } from './read.js';

/** An account a seed created, and how many resources it got. */
export interface SeededAccount {
  name: string;
  resources: number;
}

/** How long one seeded VM or volume may take to be ready before the seed fails. */
const TASK_WAIT_MS = 120_000;

/** Catalog ids by name, per kind, for resolving a seed's references. */
interface CatalogNames {
  zones: Map<string, string>;
  offerings: Map<string, string>;
  diskOfferings: Map<string, string>;
  templates: Map<string, string>;
}

/** Applies the seed unless this store has one applied already; returns the accounts it created (none when skipped). */
export async function applySeedOnce(rt: Runtime, source: SeedSource | undefined): Promise<SeededAccount[]> {
  if (source === undefined) return [];
  const { doc, label } = readSeed(source);
  if (await readSetting(rt.store.db, SETTINGS.seedApplied)) return [];
  const names = await catalogNames(rt);
  await checkReferences(rt, doc, label, names);
  const marker = `${new Date().toISOString()} ${randomUUID()}`;
  if ((await writeSettingOnce(rt.store.db, SETTINGS.seedApplied, marker)) !== marker) return [];
  try {
    const out: SeededAccount[] = [];
    // Chaos first: its entries are all checked before any is added, so a bad one leaves nothing behind.
    if (doc.chaos) {
      try {
        await applyChaosSeed(rt.core, doc.chaos as ChaosSeedSpec);
      } catch (err) {
        throw err instanceof CoreError ? new ConfigError(`${label}: ${err.message}`) : err;
      }
    }
    for (const [i, a] of (doc.accounts ?? []).entries()) out.push(await applyAccount(rt, doc, label, names, a, i));
    rt.log.info({ accounts: out.map((a) => a.name) }, `applied ${label}`);
    return out;
  } catch (err) {
    await deleteSetting(rt.store.db, SETTINGS.seedApplied);
    throw err;
  }
}

async function catalogNames(rt: Runtime): Promise<CatalogNames> {
  const db = rt.store.db;
  const byName = (rows: Array<{ id: string; name: string }>) => new Map(rows.map((r) => [r.name, r.id]));
  return {
    zones: byName(await db.selectFrom('zones').select(['id', 'name']).execute()),
    offerings: byName(await db.selectFrom('service_offerings').select(['id', 'name']).execute()),
    diskOfferings: byName(await db.selectFrom('disk_offerings').select(['id', 'name']).execute()),
    templates: byName(
      await db
        .selectFrom('templates')
        .select(['id', 'name'])
        .where('public', '=', 1)
        .where('removed_at', 'is', null)
        .execute(),
    ),
  };
}

/** Fails on the first reference to something that does not exist (catalog names, the account's own keys and networks) or an account name already taken. */
async function checkReferences(rt: Runtime, doc: SeedDoc, label: string, names: CatalogNames): Promise<void> {
  const known = (map: Map<string, string>, v: string, path: string, what: string) => {
    if (!map.has(v)) throw seedError(label, doc, path, `unknown ${what} "${v}" (known: ${[...map.keys()].join(', ')})`);
  };
  const publicParts = new Set<string>();
  for (const [i, a] of (doc.accounts ?? []).entries()) {
    const at = `/accounts/${i}`;
    const taken = await rt.store.db.selectFrom('accounts').select('id').where('name', '=', a.name).executeTakeFirst();
    if (taken) throw seedError(label, doc, `${at}/name`, `an account named ${a.name} exists already`);
    for (const [path, value] of [
      [`${at}/cloudstack/key`, a.cloudstack?.key],
      [`${at}/cvm/public`, a.cvm?.public],
    ] as const) {
      if (value === undefined) continue;
      if (publicParts.has(value) || (await credentialInUse(rt, value)))
        throw seedError(label, doc, path, 'is in use by another account already');
      publicParts.add(value);
    }
    const keys = new Set((a.ssh_keys ?? []).map((k) => k.name));
    const nets = new Set((a.networks ?? []).map((n) => n.name));
    for (const [j, n] of (a.networks ?? []).entries()) known(names.zones, n.zone, `${at}/networks/${j}/zone`, 'zone');
    for (const [j, v] of (a.volumes ?? []).entries()) {
      known(names.zones, v.zone, `${at}/volumes/${j}/zone`, 'zone');
      if (v.disk_offering)
        known(names.diskOfferings, v.disk_offering, `${at}/volumes/${j}/disk_offering`, 'disk offering');
    }
    for (const [j, vm] of (a.vms ?? []).entries()) {
      const p = `${at}/vms/${j}`;
      known(names.zones, vm.zone, `${p}/zone`, 'zone');
      known(names.offerings, vm.offering, `${p}/offering`, 'service offering');
      known(names.templates, vm.template, `${p}/template`, 'template');
      if (vm.ssh_key && !keys.has(vm.ssh_key))
        throw seedError(label, doc, `${p}/ssh_key`, `no SSH key "${vm.ssh_key}" in this account's ssh_keys`);
      for (const net of vm.networks ?? [])
        if (!nets.has(net))
          throw seedError(label, doc, `${p}/networks`, `no network "${net}" in this account's networks`);
    }
  }
}

/** True when a CloudStack key or CVM public token is some account's already. */
async function credentialInUse(rt: Runtime, publicPart: string): Promise<boolean> {
  const row = await rt.store.db
    .selectFrom('credentials')
    .select('id')
    .where('public_key', '=', publicPart)
    .executeTakeFirst();
  return !!row;
}

/** Creates one account and its resources; a core refusal becomes an error naming the entry. */
async function applyAccount(
  rt: Runtime,
  doc: SeedDoc,
  label: string,
  names: CatalogNames,
  a: SeedAccount,
  i: number,
): Promise<SeededAccount> {
  const at = `/accounts/${i}`;
  const step = async <T>(path: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof CoreError) throw seedError(label, doc, path, refusal(err));
      throw err;
    }
  };
  const created = await step(at, () =>
    rt.core.accounts.createAccount(a.name, {
      email: a.email,
      password: a.password,
      given: {
        apiKey: a.cloudstack?.key,
        apiSecret: a.cloudstack?.secret,
        tokenPublic: a.cvm?.public,
        tokenPrivate: a.cvm?.private,
        userApiKey: a.danube?.api_key,
        restToken: a.rest?.token,
      },
    }),
  );
  const ctx = systemContext(created.account.id, a.name, 'seed');
  let resources = 0;
  for (const [j, k] of (a.ssh_keys ?? []).entries()) {
    await step(`${at}/ssh_keys/${j}`, () => rt.core.sshKeys.register(ctx, k.name, k.public_key));
    resources++;
  }
  const networkIds = new Map<string, string>();
  for (const [j, n] of (a.networks ?? []).entries()) {
    const { network } = await step(`${at}/networks/${j}`, () =>
      rt.core.networks.create(ctx, {
        zoneId: names.zones.get(n.zone)!,
        name: n.name,
        displayText: n.description ?? n.name,
        startIp: n.start_ip,
        endIp: n.end_ip,
        netmask: n.netmask,
        gateway: n.gateway,
      }),
    );
    networkIds.set(n.name, network.id);
    resources++;
  }
  for (const [j, v] of (a.volumes ?? []).entries()) {
    const path = `${at}/volumes/${j}`;
    const receipt = await step(path, () =>
      rt.core.volumes.create(ctx, {
        name: v.name,
        zoneId: names.zones.get(v.zone)!,
        diskOfferingId: names.diskOfferings.get(v.disk_offering ?? (v.size_gb ? 'Custom' : 'Small')),
        sizeGb: v.size_gb,
      }),
    );
    await finished(rt, receipt, () => seedError(label, doc, path, 'the volume could not be created'));
    resources++;
  }
  for (const [j, vm] of (a.vms ?? []).entries()) {
    const path = `${at}/vms/${j}`;
    const { receipt } = await step(path, () =>
      rt.core.vms.create(ctx, {
        name: vm.name,
        displayName: vm.name,
        zoneId: names.zones.get(vm.zone)!,
        offeringId: names.offerings.get(vm.offering)!,
        templateId: names.templates.get(vm.template)!,
        sshKeyName: vm.ssh_key,
        networkIds: vm.networks?.map((n) => networkIds.get(n)!),
        password: vm.password,
        start: vm.start ?? true,
      }),
    );
    await finished(rt, receipt, () => seedError(label, doc, path, 'the VM could not be deployed'));
    resources++;
  }
  for (const [j, d] of (a.dns_domains ?? []).entries()) {
    const path = `${at}/dns_domains/${j}`;
    const { domain } = await step(path, () => rt.core.dns.create(ctx, d.name));
    resources++;
    for (const [k, r] of (d.records ?? []).entries()) {
      await step(`${path}/records/${k}`, () => rt.core.dns.createRecord(ctx, { id: domain.id }, r));
      resources++;
    }
  }
  return { name: a.name, resources };
}

/** Waits for a task to succeed; anything else (failure, or still running after TASK_WAIT_MS) is the error made by fail. */
async function finished(rt: Runtime, receipt: TaskReceipt, fail: () => Error): Promise<void> {
  const task = await rt.engine.wait(receipt.taskId, TASK_WAIT_MS);
  if (task?.status !== 'SUCCESS') {
    const err = fail();
    if (task?.error) err.message += ` (${task.error.split('\n')[0]})`;
    throw err;
  }
}

/** A core refusal as text: its message and the fields it names. */
function refusal(err: CoreError): string {
  const fields = Object.keys(err.fields);
  return fields.length ? `${err.message} (field ${fields.join(', ')})` : err.message;
}
