import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pino from 'pino';
import { freshDatabase, startTestEnv, type TestEnv } from '../support/runtime.js';
import { CsClient } from '../support/cs-client.js';
import { SigmaClient } from '../dialects/cloudsigma/sigma-client.js';
import { netCatalog, deployVm } from '../dialects/cloudstack/network-fixtures.js';
import type { Store } from '../../src/store/db.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { systemContext } from '../../src/lib/context.js';

const V1 = /^v1:[A-Za-z0-9+/]+=*$/;

/** What a secret-bearing value is: a secret kept as a hash, an HMAC or ciphertext; no secret in it; or a secret in clear. */
type Kept = 'sealed' | 'none' | 'bad';
const sealedIf = (ok: boolean): Kept => (ok ? 'sealed' : 'bad');

/**
 * Every column that holds a secret, and how to tell that a stored value keeps it hashed or as "v1:" ciphertext under
 * the master key. A new secret-bearing column goes here; the scan below fails for any column that stores one in clear.
 */
const SECRET_COLUMNS: Record<string, (value: string) => Kept> = {
  'users.password_hash': (v) => sealedIf(/^[a-z0-9-]+\$\S+$/.test(v)),
  'credentials.secret_enc': (v) => sealedIf(V1.test(v)),
  'credentials.secret_hash': (v) => sealedIf(/^[0-9a-f]{64}$/.test(v)),
  'vms.password_enc': (v) => sealedIf(V1.test(v)),
  'webhook_configs.secret_enc': (v) => sealedIf(V1.test(v)),
  'vm_extras.attrs': (v) => {
    const o = JSON.parse(v) as Record<string, unknown>;
    if ('vnc:password' in o) return 'bad';
    return o['@vncPassword'] === undefined ? 'none' : sealedIf(V1.test(String(o['@vncPassword'])));
  },
  'tasks.result': (v) => {
    const o = JSON.parse(v) as Record<string, unknown>;
    return o.passwordEnc === undefined ? 'none' : sealedIf(V1.test(String(o.passwordEnc)));
  },
};

/** Every table's rows as column → text, on either store. */
async function dump(store: Store): Promise<Map<string, Array<Record<string, string | null>>>> {
  const tables =
    store.kind === 'sqlite'
      ? (
          await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)
        ).rows.map((r) => r.name)
      : (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(
            store.db,
          )
        ).rows.map((r) => r.name);
  const out = new Map<string, Array<Record<string, string | null>>>();
  for (const t of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(store.db)).rows;
    out.set(
      t,
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            v === null || v === undefined
              ? null
              : Buffer.isBuffer(v)
                ? v.toString('latin1')
                : typeof v === 'object'
                  ? JSON.stringify(v)
                  : String(v),
          ]),
        ),
      ),
    );
  }
  return out;
}

/** The bytes a store keeps: the SQLite file and its WAL, or (PostgreSQL) every row of every table as text. */
async function storeBytes(env: { config: { dataDir: string }; rt: { store: Store } }): Promise<string> {
  if (env.rt.store.kind === 'postgres') {
    return [...(await dump(env.rt.store)).values()]
      .flat()
      .map((r) => JSON.stringify(r))
      .join('\n');
  }
  const file = join(env.config.dataDir, 'nube.db');
  return ['', '-wal']
    .filter((s) => existsSync(file + s))
    .map((s) => readFileSync(file + s).toString('latin1'))
    .join('\n');
}

/** Creates accounts, users, key pairs, CVM tokens, a webhook secret and VMs with passwords and VNC passwords; returns every plain secret made. */
async function realisticSession(env: TestEnv): Promise<string[]> {
  const core = env.rt.core;
  const secrets: string[] = [];
  const bobPassword = `bob-login-${randomBytes(6).toString('hex')}`;
  const bob = await core.accounts.createAccount('bob', { password: bobPassword });
  secrets.push(bobPassword, bob.credentials['api-key-pair'].secret, bob.credentials['token-pair'].private);
  secrets.push((await core.accounts.createUser('bob', 'bob-ops')).password);
  const pair = (await core.credentials.issueTo('api-key-pair', 'bob', {})).shown;
  secrets.push(pair.secret, (await core.credentials.issueTo('token-pair', 'bob', {})).shown.private);

  const bobCtx = systemContext(bob.account.id, 'bob');
  secrets.push((await core.webhooks.regenerateSecret(bobCtx)).secret);
  secrets.push((await core.webhooks.configure(bobCtx, { url: 'http://127.0.0.1:9/nube' })).secret);

  const cs = new CsClient(env.app, bob.credentials['api-key-pair'].key, bob.credentials['api-key-pair'].secret);
  const vm = await deployVm(cs, await netCatalog(cs));
  assert.ok(vm.password, 'the template is password-enabled');
  secrets.push(vm.password);
  await cs.done('stopVirtualMachine', { id: vm.id });
  const reset = (await cs.done('resetPasswordForVirtualMachine', { id: vm.id })).virtualmachine;
  secrets.push(reset.password);

  const sigma = new SigmaClient(env.app, bob.user.email, bobPassword);
  const vnc = [`vnc-first-${randomBytes(4).toString('hex')}`, `vnc-second-${randomBytes(4).toString('hex')}`];
  const server = (
    await sigma.post('/servers/create', {
      name: 'console',
      cpu: '1000',
      mem: '512',
      'vnc:ip': 'auto',
      'vnc:password': vnc[0]!,
    })
  ).record;
  assert.equal(server['vnc:password'], vnc[0], 'its owner reads the VNC password back');
  const set = (await sigma.post(`/servers/${server.server}/set`, { 'vnc:password': vnc[1]! })).record;
  assert.equal(set['vnc:password'], vnc[1]);
  const clone = (await sigma.post(`/servers/${server.server}/clone`, { name: 'console-2' })).record;
  assert.equal(clone['vnc:password'], vnc[1], 'a clone keeps the VNC password');
  assert.equal((await sigma.get(`/servers/${server.server}/info`)).record['vnc:password'], vnc[1]);
  secrets.push(...vnc);
  return secrets;
}

test('every secret is stored hashed or encrypted under the master key: column by column, and nowhere in the store in plain text', async () => {
  const env = await startTestEnv();
  try {
    const secrets = await realisticSession(env);
    const tables = await dump(env.rt.store);
    const seen = new Set<string>();
    for (const [table, rows] of tables) {
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null) continue;
          for (const s of secrets) assert.ok(!value.includes(s), `${table}.${column} holds a plain secret`);
          const kept = SECRET_COLUMNS[`${table}.${column}`]?.(value);
          assert.notEqual(kept, 'bad', `${table}.${column} holds ${value.slice(0, 60)}, not a hash or ciphertext`);
          if (kept === 'sealed') seen.add(`${table}.${column}`);
        }
      }
    }
    assert.deepEqual(
      [...seen].sort(),
      Object.keys(SECRET_COLUMNS).sort(),
      'the session stored a secret in every secret-bearing column',
    );
    const check = tables.get('settings')!.find((r) => r.key === 'master_key_check')?.value;
    assert.match(check ?? '', /^hmac-sha256:[0-9a-f]{64}$/, 'the key check value is an HMAC, never the key');
    const bytes = await storeBytes(env);
    for (const s of secrets) assert.ok(!bytes.includes(s), 'no plain secret anywhere in the database bytes');
  } finally {
    await env.close();
  }
});

test('a VNC password an older version stored in plain text is encrypted on start (and on the next write), and its owner still reads it', async () => {
  const db = await freshDatabase();
  const config = loadConfig({
    ...db.env,
    NUBE_LISTEN: '127.0.0.1:0',
    NUBE_MASTER_KEY: randomBytes(32).toString('hex'),
  });
  const open = async () => {
    const rt = await createRuntime(config, { startEngine: true, log: pino({ level: 'silent' }) });
    const app = await buildApp({ core: rt.core, readiness: { ready: () => true }, log: rt.log });
    return {
      rt,
      app,
      config,
      async close() {
        await app.close();
        await rt.close();
      },
    };
  };
  const legacy = async (store: Store, id: string, vnc: string) => {
    await store.db
      .updateTable('vm_extras')
      .set({ attrs: JSON.stringify({ 'vnc:ip': 'auto', 'vnc:password': vnc, '@smpAuto': true }) })
      .where('vm_id', '=', id)
      .execute();
  };
  const attrsOf = async (store: Store, id: string) =>
    (await store.db.selectFrom('vm_extras').select('attrs').where('vm_id', '=', id).executeTakeFirstOrThrow()).attrs;
  let env: Awaited<ReturnType<typeof open>> | undefined;
  try {
    env = await open();
    await env.rt.core.accounts.createAccount('erin', { password: 'erin-password' });
    const erin = () => new SigmaClient(env!.app, 'erin@nube.local', 'erin-password');
    const ids = [];
    for (const name of ['a', 'b'])
      ids.push((await erin().post('/servers/create', { name, cpu: '1000', mem: '512' })).record.server!);
    const [a, b] = ids as [string, string];
    await legacy(env.rt.store, a, 'old-plain-vnc-a');
    assert.equal(
      (await erin().get(`/servers/${a}/info`)).record['vnc:password'],
      'old-plain-vnc-a',
      'a plain value is read as it is',
    );
    await erin().post(`/servers/${a}/set`, { name: 'a2' });
    assert.doesNotMatch(await attrsOf(env.rt.store, a), /old-plain-vnc-a/, 'the next write encrypts it');
    assert.equal((await erin().get(`/servers/${a}/info`)).record['vnc:password'], 'old-plain-vnc-a');

    await legacy(env.rt.store, b, 'old-plain-vnc-b');
    await env.close();
    env = undefined;
    env = await open();
    const attrs = JSON.parse(await attrsOf(env.rt.store, b));
    assert.match(attrs['@vncPassword'], V1, 'encrypted on start');
    assert.equal(attrs['vnc:password'], undefined);
    assert.equal(attrs['vnc:ip'], 'auto', 'other settings are kept');
    const info = (await erin().get(`/servers/${b}/info`)).record;
    assert.equal(info['vnc:password'], 'old-plain-vnc-b', 'its owner reads the same value');
    assert.equal(info['vnc:ip'], info['nic:0:dhcp']);
    assert.ok(!(await storeBytes(env)).includes('old-plain-vnc-b'), 'the plain text is gone from the database files');
  } finally {
    await env?.close();
    await db.drop();
  }
});
