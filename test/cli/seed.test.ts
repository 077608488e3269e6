/** NUBE_SEED_FILE and NUBE_ADMIN_*: accounts with the credentials a test suite chose, usable in every dialect, and their resources, made once. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNube, type StartNubeOptions } from '../../src/embed.js';
import { CsClient } from '../support/cs-client.js';
import { overHttp } from '../support/url-client.js';
import { freshDatabase, TEST_DB } from '../support/runtime.js';

const ED25519_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID6nq39nX/N7jUb2LtzntABep2EY5xT0GrIO4T6OjVoE alice@laptop';
const REST_SECRET = 'AdminRestToken00000000000000000000000001';

const SEED = `# accounts a test suite hard-codes
accounts:
  - name: alice
    email: alice@example.com
    password: alice-password-1
    cloudstack: { key: alice-api-key-0001, secret: alice-secret-key-0001 }
    cvm: { public: AlicePublicToken0001, private: AlicePrivateToken0001 }
    ssh_keys:
      - name: laptop
        public_key: ${ED25519_KEY}
    networks:
      - name: backend
        zone: ch-gva-2
        start_ip: 10.1.0.10
        end_ip: 10.1.0.200
        netmask: 255.255.255.0
    volumes:
      - name: data
        zone: ch-gva-2
        size_gb: 20
    vms:
      - name: web-1
        zone: ch-gva-2
        offering: Micro
        template: Linux Debian 12 (Bookworm) 64-bit
        ssh_key: laptop
        networks: [backend]
`;

const ADMIN_ENV = {
  NUBE_ADMIN_KEY: 'admin-api-key-0001',
  NUBE_ADMIN_SECRET: 'admin-secret-key-0001',
  NUBE_ADMIN_PASSWORD: 'admin-password-1',
  NUBE_ADMIN_EMAIL: 'ops@example.com',
  NUBE_ADMIN_TOKEN: REST_SECRET,
};

/** startNube's options for a test database (its data dir, and on PostgreSQL its URL). */
function storeOptions(env: Record<string, string>): StartNubeOptions {
  return { dataDir: env.NUBE_DATA_DIR, databaseUrl: env.DATABASE_URL };
}

test('a seed file makes accounts usable with their chosen credentials in every dialect, with running resources, once', async () => {
  const db = await freshDatabase();
  const seedFile = join(db.env.NUBE_DATA_DIR!, 'seed.yaml');
  writeFileSync(seedFile, SEED);
  try {
    const nube = await startNube({ ...storeOptions(db.env), seed: seedFile, env: ADMIN_ENV });
    try {
      const cs = new CsClient(overHttp(nube.url), 'alice-api-key-0001', 'alice-secret-key-0001');
      const vms = (await cs.ok('listVirtualMachines')).virtualmachine;
      assert.deepEqual(
        vms.map((v: any) => [v.name, v.state, v.keypair ?? v.keypairs]),
        [['web-1', 'Running', 'laptop']],
      );
      assert.deepEqual(
        (await cs.ok('listSSHKeyPairs')).sshkeypair.map((k: any) => k.name),
        ['laptop'],
      );
      assert.ok((await cs.ok('listNetworks')).network.some((n: any) => n.name === 'backend'));
      const volumes = (await cs.ok('listVolumes', { type: 'DATADISK' })).volume;
      assert.deepEqual(
        volumes.map((v: any) => [v.name, v.size]),
        [['data', 20 * 1024 ** 3]],
      );
      const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
      const sigma = await fetch(`${nube.url}/drives/list`, {
        headers: { authorization: basic('alice@example.com', 'alice-password-1') },
      });
      assert.equal(sigma.status, 200, 'CloudSigma login with the seeded email and password');
      const wrong = await fetch(`${nube.url}/drives/list`, {
        headers: { authorization: basic('alice@example.com', 'not-her-password') },
      });
      assert.equal(wrong.status, 401);
      const cvm = await fetch(`${nube.url}/api/client/vps/list`, {
        headers: { 'api-public-token': 'AlicePublicToken0001', 'api-private-token': 'AlicePrivateToken0001' },
      });
      assert.equal(cvm.status, 200, 'CVM login with the seeded token pair');
      assert.match(await cvm.text(), /web-1/);

      assert.equal(nube.credentials.cloudstack.key, 'admin-api-key-0001');
      assert.equal(nube.credentials.cloudstack.secret, 'admin-secret-key-0001');
      assert.equal(nube.credentials.password, 'admin-password-1');
      assert.equal(nube.credentials.email, 'ops@example.com');
      assert.match(nube.credentials.rest.token, new RegExp(`^\\d+\\|${REST_SECRET}$`));
      const admin = new CsClient(overHttp(nube.url), 'admin-api-key-0001', 'admin-secret-key-0001');
      const names = (await admin.ok('listAccounts', { listall: true })).account.map((a: any) => a.name).sort();
      assert.deepEqual(names, ['admin', 'alice']);
      const rest = await fetch(`${nube.url}/api/v1/ssh-keys`, {
        headers: { authorization: `Bearer ${nube.credentials.rest.token}` },
      });
      assert.equal(rest.status, 200, 'the fixed REST token works');
    } finally {
      await nube.stop();
    }
    const again = await startNube({ ...storeOptions(db.env), seed: seedFile, env: ADMIN_ENV });
    try {
      const cs = new CsClient(overHttp(again.url), 'alice-api-key-0001', 'alice-secret-key-0001');
      assert.equal((await cs.ok('listVirtualMachines')).virtualmachine.length, 1, 'the seed is not applied twice');
      assert.equal(again.credentials.cloudstack.key, 'admin-api-key-0001');
    } finally {
      await again.stop();
    }
  } finally {
    await db.drop();
  }
});

test('a bad seed is refused naming the seed file, the entry and the field', async () => {
  const db = await freshDatabase();
  const seedFile = join(db.env.NUBE_DATA_DIR!, 'seed.yaml');
  const refusal = async (text: string) => {
    writeFileSync(seedFile, text);
    await assert.rejects(startNube({ ...storeOptions(db.env), seed: seedFile }), (err: Error) => {
      assert.ok(!err.message.includes('\n'), 'one line');
      return err.message.startsWith(`seed file ${seedFile}`) ? (refused.push(err.message), true) : false;
    });
  };
  const refused: string[] = [];
  try {
    await refusal('accounts:\n  - name: bob\n    cloudstack: { key: short, secret: bob-secret-0001 }\n');
    assert.match(refused[0]!, /: accounts\[0\] \(bob\)\.cloudstack\.key: must be 8 to 128 letters, digits/);
    await refusal(
      'accounts:\n  - name: bob\n    vms:\n      - { name: x, zone: nowhere, offering: Micro, template: t }\n',
    );
    assert.match(
      refused[1]!,
      /: accounts\[0\] \(bob\)\.vms\[0\] \(x\)\.zone: unknown zone "nowhere" \(known: ch-gva-2/,
    );
    await refusal('accounts:\n  - name: bob\n    colour: blue\n');
    assert.match(refused[2]!, /: accounts\[0\] \(bob\)\.colour: /);
    await refusal('accounts: [\n');
    assert.match(refused[3]!, /is not valid YAML/);
    const key = '{ key: shared-key-0001, secret: shared-secret-0001 }';
    await refusal(`accounts:\n  - { name: x, cloudstack: ${key} }\n  - { name: y, cloudstack: ${key} }\n`);
    assert.match(refused[4]!, /: accounts\[1\] \(y\)\.cloudstack\.key: is in use by another account already$/);
    const fine = await startNube({ ...storeOptions(db.env), seed: { accounts: [{ name: 'bob' }] } });
    await fine.stop();
  } finally {
    await db.drop();
  }
});

test('startNube starts and stops twice in one process, each on a free port with its own admin', async () => {
  const [d1, d2] = [await freshDatabase(), await freshDatabase()];
  const zones = async (n: { url: string; credentials: Record<string, any> }) =>
    (await new CsClient(overHttp(n.url), n.credentials.cloudstack.key, n.credentials.cloudstack.secret).ok('listZones'))
      .count;
  try {
    const a = await startNube(storeOptions(d1.env));
    // On SQLite the second one takes every default: a fresh temporary data dir, removed again by stop().
    const b = await startNube(TEST_DB === 'sqlite' ? {} : storeOptions(d2.env));
    assert.notEqual(a.url, b.url);
    assert.notEqual(a.credentials.cloudstack.key, b.credentials.cloudstack.key);
    assert.deepEqual([await zones(a), await zones(b)], [2, 2]);
    await a.stop();
    await b.stop();
    await assert.rejects(fetch(`${a.url}/compute`), 'a stopped Nube no longer listens');
    const again = await startNube(storeOptions(d1.env));
    assert.equal(again.credentials.cloudstack.key, a.credentials.cloudstack.key, 'credentials.json is read back');
    assert.equal(await zones(again), 2);
    await again.stop();
  } finally {
    await d1.drop();
    await d2.drop();
  }
});

test("a seed file's chaos section is in place from the start, and a bad entry is refused before anything is made", async () => {
  const db = await freshDatabase();
  try {
    const bad = { accounts: [{ name: 'carol' }], chaos: { rules: [{ dialect: 'cloudstack', kind: 'boom' }] } };
    await assert.rejects(startNube({ ...storeOptions(db.env), seed: bad }), /chaos\.rules\[0\]/);
    const seed = {
      accounts: [{ name: 'carol', cloudstack: { key: 'carol-api-key-0001', secret: 'carol-secret-key-0001' } }],
      chaos: {
        seed: 7,
        rules: [{ dialect: 'cloudstack', operation: 'listZones', kind: 'error', reason: 'unavailable', rate: 1 }],
      },
    };
    const nube = await startNube({ ...storeOptions(db.env), seed });
    try {
      const cs = new CsClient(overHttp(nube.url), 'carol-api-key-0001', 'carol-secret-key-0001');
      const zones = await cs.call('listZones');
      assert.ok(zones.status >= 500, `listZones answered ${zones.status} under the seeded rule`);
      assert.equal((await cs.call('listTemplates', { templatefilter: 'featured' })).status, 200, 'other commands');
    } finally {
      await nube.stop();
    }
  } finally {
    await db.drop();
  }
});
