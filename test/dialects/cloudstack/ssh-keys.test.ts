import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { catalog, deploy, type Catalog } from './vm-fixtures.js';

/** The conformance harness's key and the MD5 fingerprint `ssh-keygen -l -E md5` prints for it (common.py). */
const TEST_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCSZDBsX3goCkvyf256TGorbBjI769gmyoLbqkrizgoBuE+EiQ91YfLh4ptYoybkH17qthLJFCdRsm5v+aCUs37RqgnaJuPPLTwcpUdMNrkV70YDD53mvvM0JQLlWbViARJhRWyd8aXDyl3Bwg05CWjLKDTk2Gi9FTUI6XwQSgkKt9HgSR35rLxTNw2Hlb9zOS5oJvWshF8bdfVy2SjX03rhUad9r+d9ZNzOEptNBzWxaEiAQ01Qbhxw+U1BGSLq7tVZICNhOHL5i4LvB7CwtUesIP7fLD4LclfENLVh+JhDmH/jlY3xfUpk4tWFo3VCU4v7FJYXKA5kosP0QWfN9hH conformance@harness';
const TEST_PUBLIC_KEY_MD5 = 'e0:02:a6:ad:f3:f6:41:46:81:7e:97:0c:db:99:c9:e7';
const ED25519_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID6nq39nX/N7jUb2LtzntABep2EY5xT0GrIO4T6OjVoE test@ed25519';
const ED25519_MD5 = 'fc:5e:a4:ce:e8:cf:41:6a:53:01:6f:79:f0:74:1e:9e';

let env: TestEnv;
let bob: CsClient;
let cat: Catalog;
before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
  cat = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

/** The OpenSSH MD5 fingerprint of the public half of a PEM RSA private key, computed independently of Nube. */
function fingerprintOfPrivateKey(pem: string): string {
  const jwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
  const str = (b: Buffer) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return Buffer.concat([l, b]);
  };
  const mpint = (b64: string) => {
    const b = Buffer.from(b64, 'base64url');
    return str(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  const blob = Buffer.concat([str(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]);
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

test('createSSHKeyPair returns the private key once; listSSHKeyPairs shows only name and fingerprint', async () => {
  const kp = (await env.cs.ok('createSSHKeyPair', { name: 'generated' })).keypair;
  assert.equal(kp.name, 'generated');
  assert.match(kp.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  assert.match(kp.privatekey, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n?$/);
  assert.equal(fingerprintOfPrivateKey(kp.privatekey), kp.fingerprint, 'the fingerprint is that of the returned key');
  const listed = await env.cs.ok('listSSHKeyPairs', { name: 'generated' });
  assert.equal(listed.count, 1);
  assert.deepEqual([listed.sshkeypair[0].name, listed.sshkeypair[0].fingerprint], ['generated', kp.fingerprint]);
  assert.equal(listed.sshkeypair[0].privatekey, undefined);
  const stored = await env.rt.store.db
    .selectFrom('ssh_keys')
    .selectAll()
    .where('name', '=', 'generated')
    .executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(stored).includes('PRIVATE KEY'), 'the private key is not stored');
  assert.match(stored.public_key, /^ssh-rsa AAAA/);
  const dup = await env.cs.call('createSSHKeyPair', { name: 'generated' });
  assert.equal(dup.status, 431);
  assert.match(dup.body.errortext, /already exists/);
  const missing = await env.cs.call('createSSHKeyPair', {});
  assert.equal(missing.status, 431);
  assert.match(missing.body.errortext, /missing parameter name/);
});

test('registerSSHKeyPair stores a public key with its OpenSSH MD5 fingerprint', async () => {
  const kp = (await env.cs.ok('registerSSHKeyPair', { name: 'harness', publickey: TEST_PUBLIC_KEY })).keypair;
  assert.deepEqual([kp.name, kp.fingerprint, kp.privatekey], ['harness', TEST_PUBLIC_KEY_MD5, undefined]);
  const viaPost = await env.cs.call('registerSSHKeyPair', { name: 'ed', publicKey: ED25519_KEY }, { method: 'POST' });
  assert.equal(viaPost.status, 200);
  assert.equal(viaPost.body.keypair.fingerprint, ED25519_MD5);
  const dup = await env.cs.call('registerSSHKeyPair', { name: 'harness', publickey: ED25519_KEY });
  assert.equal(dup.status, 431);
  assert.match(dup.body.errortext, /already exists/);
  assert.equal(
    (await env.cs.ok('listSSHKeyPairs', { name: 'harness' })).sshkeypair[0].fingerprint,
    TEST_PUBLIC_KEY_MD5,
    'unchanged',
  );
});

test('registerSSHKeyPair refuses anything that is not an OpenSSH public key', async () => {
  const body = TEST_PUBLIC_KEY.split(' ')[1]!;
  for (const garbage of [
    'garbage',
    'ssh-rsa',
    `ssh-rsa ${body.slice(0, -4)}`,
    `ssh-dss ${body}`,
    'ssh-rsa !!!!',
    `ssh-rsa ${body}\nssh-rsa ${body}`,
    '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----',
  ]) {
    const r = await env.cs.call('registerSSHKeyPair', { name: 'bad', publickey: garbage }, { method: 'POST' });
    assert.equal(r.status, 431, garbage);
    assert.equal(r.body.errorcode, 431);
    assert.match(r.body.errortext, /Public key is invalid/, garbage);
  }
  const empty = await env.cs.call('registerSSHKeyPair', { name: 'bad', publickey: '' });
  assert.equal(empty.status, 431);
  assert.match(empty.body.errortext, /must not be empty/);
  const noKey = await env.cs.call('registerSSHKeyPair', { name: 'bad' });
  assert.equal(noKey.status, 431);
  assert.match(noKey.body.errortext, /missing parameter publickey/);
  assert.deepEqual(await env.cs.ok('listSSHKeyPairs', { name: 'bad' }), { count: 0, sshkeypair: [] });
});

test('listSSHKeyPairs filters by fingerprint and keyword and pages with a total count', async () => {
  await env.cs.ok('registerSSHKeyPair', { name: 'list-harness', publickey: TEST_PUBLIC_KEY });
  const byPrint = await env.cs.ok('listSSHKeyPairs', { fingerprint: TEST_PUBLIC_KEY_MD5 });
  assert.ok(byPrint.count >= 1);
  assert.ok(byPrint.sshkeypair.every((k: any) => k.fingerprint === TEST_PUBLIC_KEY_MD5));
  assert.ok(byPrint.sshkeypair.some((k: any) => k.name === 'list-harness'));
  assert.deepEqual(
    (await env.cs.ok('listSSHKeyPairs', { keyword: 'LIST-H' })).sshkeypair.map((k: any) => k.name),
    ['list-harness'],
  );
  const all = await env.cs.ok('listSSHKeyPairs');
  assert.ok(all.count >= 2);
  const page2 = await env.cs.ok('listSSHKeyPairs', { page: 2, pagesize: 1 });
  assert.equal(page2.count, all.count);
  assert.deepEqual(page2.sshkeypair, [all.sshkeypair[1]]);
  assert.deepEqual(await env.cs.ok('listSSHKeyPairs', { name: 'no-such-key' }), { count: 0, sshkeypair: [] });
});

test('deleteSSHKeyPair answers the string "true"; another account can neither see nor delete the key', async () => {
  await env.cs.ok('createSSHKeyPair', { name: 'shared-name' });
  assert.deepEqual(await bob.ok('listSSHKeyPairs', { name: 'shared-name' }), { count: 0, sshkeypair: [] });
  const foreign = await bob.call('deleteSSHKeyPair', { name: 'shared-name' });
  assert.equal(foreign.status, 431);
  assert.match(foreign.body.errortext, /not found/);
  const bobs = (await bob.ok('createSSHKeyPair', { name: 'shared-name' })).keypair;
  assert.equal(bobs.name, 'shared-name', 'names are per account');
  assert.deepEqual(await env.cs.ok('deleteSSHKeyPair', { name: 'shared-name' }), { success: 'true' });
  assert.deepEqual(await env.cs.ok('listSSHKeyPairs', { name: 'shared-name' }), { count: 0, sshkeypair: [] });
  assert.equal(
    (await bob.ok('listSSHKeyPairs', { name: 'shared-name' })).sshkeypair[0].fingerprint,
    bobs.fingerprint,
    "bob's key survives",
  );
  const again = await env.cs.call('deleteSSHKeyPair', { name: 'shared-name' });
  assert.equal(again.status, 431);
  assert.match(again.body.errortext, /ssh key pair shared-name not found/);
});

test('resetSSHKeyForVirtualMachine puts another key on a stopped VM and reveals its new password once', async () => {
  await env.cs.ok('createSSHKeyPair', { name: 'first' });
  await env.cs.ok('registerSSHKeyPair', { name: 'second', publickey: TEST_PUBLIC_KEY });
  const vm = (await deploy(env.cs, cat, { name: 'keyed', keypair: 'first' })).virtualmachine;
  assert.equal(vm.keypair, 'first');
  const running = await env.cs.call('resetSSHKeyForVirtualMachine', { id: vm.id, keypair: 'second' });
  assert.equal(running.status, 431);
  assert.match(running.body.errortext, /must be stopped/);
  await env.cs.done('stopVirtualMachine', { id: vm.id });
  const unknown = await env.cs.call('resetSSHKeyForVirtualMachine', { id: vm.id, keypair: 'nope' });
  assert.equal(unknown.status, 431);
  assert.match(unknown.body.errortext, /key pair named nope does not exist/);
  const foreign = await bob.call('resetSSHKeyForVirtualMachine', { id: vm.id, keypair: 'second' });
  assert.equal(foreign.status, 431);
  const res = (await env.cs.done('resetSSHKeyForVirtualMachine', { id: vm.id, keypair: 'second' })).virtualmachine;
  assert.equal(res.id, vm.id);
  assert.equal(res.keypair, 'second');
  assert.ok(vm.password, 'the template is password-enabled');
  assert.ok(res.password && res.password !== vm.password, 'a new password is revealed');
  const listed = (await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0];
  assert.equal(listed.keypair, 'second');
  assert.equal(listed.password, undefined);
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
});
