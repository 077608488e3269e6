import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../src/lib/errors.js';
import { encryptForKey, generateKeyPair, parsePublicKey } from '../../src/core/ssh-keys/crypto.js';

const HARNESS_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCSZDBsX3goCkvyf256TGorbBjI769gmyoLbqkrizgoBuE+EiQ91YfLh4ptYoybkH17qthLJFCdRsm5v+aCUs37RqgnaJuPPLTwcpUdMNrkV70YDD53mvvM0JQLlWbViARJhRWyd8aXDyl3Bwg05CWjLKDTk2Gi9FTUI6XwQSgkKt9HgSR35rLxTNw2Hlb9zOS5oJvWshF8bdfVy2SjX03rhUad9r+d9ZNzOEptNBzWxaEiAQ01Qbhxw+U1BGSLq7tVZICNhOHL5i4LvB7CwtUesIP7fLD4LclfENLVh+JhDmH/jlY3xfUpk4tWFo3VCU4v7FJYXKA5kosP0QWfN9hH conformance@harness';

/** Keys made with ssh-keygen, with the fingerprints `ssh-keygen -l -E md5` printed for them. */
const OTHER_KEYS: Array<{ type: string; line: string; fingerprint: string }> = [
  {
    type: 'ssh-ed25519',
    line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID6nq39nX/N7jUb2LtzntABep2EY5xT0GrIO4T6OjVoE test@ed25519',
    fingerprint: 'fc:5e:a4:ce:e8:cf:41:6a:53:01:6f:79:f0:74:1e:9e',
  },
  {
    type: 'ecdsa-sha2-nistp256',
    line: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPPhnOUB/YRvYDt6odchqfJudgxwMCThIrNlLNfkWCZEKeXgAwtDHBmgLXyZJI5zSYcmd2vleu+kzQVE0uiYJBk= test@ecdsab256',
    fingerprint: 'c8:28:65:9e:26:f2:2c:81:2d:c9:4d:07:97:d1:09:a2',
  },
  {
    type: 'ecdsa-sha2-nistp384',
    line: 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLlchhkwd+XMTZWgRoxdDQRmb2oUmoAiz1OKLAilUhkCCuOdyNABrKXM0tOqbnWlqvrzAi/hCIgK/Tcm16KNikQn1mlyObGWkdU1UwrC4tX9hDvyGz2+95KvkhnlroWmpw== test@ecdsab384',
    fingerprint: 'd9:1e:2a:05:89:6e:7b:80:b7:56:84:fa:b6:b9:28:8e',
  },
  {
    type: 'ecdsa-sha2-nistp521',
    line: 'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAAVBPSwa8M6mBrGz2/5xfrfg/dNd3OCPnmbAR+F77yxbB+fAOOs2UaG81PfmQc66D18H4SNTD3/lpq72X7TI1F7BAG/5Sqvmuws7m5vtCWrSZ9HETx854o8t9zsDgFW+im1Kx2zx42an6A4LliyCb3PkzlLiriDqnZTXFjaylYwCHVENA== test@ecdsab521',
    fingerprint: 'ce:0e:96:cc:44:ad:21:a3:81:5d:7d:32:f8:19:b6:c0',
  },
  {
    type: 'ssh-rsa',
    line: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDhyUcGjA5BEe2q/f+EOusD58Z35bKmFWclxP5hklop7YW10yqYrNLEkUt+r4ptW4mOxFsValJNO+DODIYyZiitEoQIAHXZ1+o4FbOkiCP38igGMujTLmeSXTzlkZQcZaU/6i2IBVtPK69czLNUOBbxBWH4uiX5a29MTxynEK9wfQ== test@rsab1024',
    fingerprint: 'd3:3f:44:b8:68:b8:48:8b:e8:ac:86:d6:10:e6:88:45',
  },
  {
    type: 'ssh-dss',
    line: 'ssh-dss AAAAB3NzaC1kc3MAAACBAJvVIYRemAzCU14lJXkHWzS0tM5Omte4Bid38JSoPhC7NLyeKJR90VQQZT8OmCsyGFDCxbGjV8ug1GGlUtfidMyRK3LZM2UrKdvzdxOgqMl/jbcxVYiyPQP+e8DKwHvQoR36pzQkCUbghS2zmfNRAT8Z6IaG9UkJmdcPzklONL1hAAAAFQD9h3on5baw+NBAaBkjJSRXSVx1EwAAAIEAlv/dR0i51qGMt/bpZEZTfMsxB7V++xfhG2uQp+PguqjOFISGlKbMcFFaMqnpwxUA+wgKGnCF2MX1JXgFTco+WoGGDGYuJrm63BOpIsrwMmCUaUGd8xuGS4vrGAODolVGePsli0t6/fOx2xlT5YGwemz2ezmvqKfzNsRFRVs9KocAAACAGccs/p843k4Fh8hA5CM2OgIqrfmTYPPBLPnd84ReOreFtFZ4oukXT0w4AH9KDY6zf61JyECJI13zF9BhbcZBXfaE70KiP/6t22T+3ph/nRWybMor6bZ1LuEviAFvoojjivTKYnjBUgzqUjAM4jbvSpOHnX1gwnu09UN5SUhNVBs= test@dsa',
    fingerprint: '03:d4:01:b9:b9:c7:81:61:03:e7:30:ef:4f:68:c8:8a',
  },
];

const isInvalid =
  (field: string) =>
  (err: unknown): boolean =>
    err instanceof CoreError && err.kind === 'Invalid' && field in err.fields;

/** SSH wire-format string, to build hand-made blobs. */
function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/** Formats a blob as a one-line OpenSSH key. */
function keyLine(type: string, blob: Buffer, comment = 'x'): string {
  return `${type} ${blob.toString('base64')} ${comment}`;
}

/** Decrypts RSA PKCS#1 v1.5 ciphertext; Node 20 refuses that padding in privateDecrypt (CVE-2023-46809), so unpad by hand then. */
function decryptPkcs1(privateKeyPem: string, ciphertext: Buffer): string {
  try {
    return privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_PADDING }, ciphertext).toString('utf8');
  } catch (err) {
    if (!String((err as Error).message).includes('CVE-2023-46809')) throw err;
  }
  const block = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_NO_PADDING }, ciphertext);
  assert.equal(block[0], 0x00);
  assert.equal(block[1], 0x02);
  const separator = block.indexOf(0x00, 2);
  assert.ok(separator >= 10, 'at least eight bytes of non-zero padding');
  return block.subarray(separator + 1).toString('utf8');
}

test('fingerprint of the conformance harness key matches CloudStack', () => {
  const parsed = parsePublicKey(HARNESS_KEY);
  assert.equal(parsed.fingerprint, 'e0:02:a6:ad:f3:f6:41:46:81:7e:97:0c:db:99:c9:e7');
  assert.equal(parsed.type, 'ssh-rsa');
  assert.equal(parsed.comment, 'conformance@harness');
  assert.equal(parsed.normalized, HARNESS_KEY);
  assert.equal(parsed.blob.toString('base64'), HARNESS_KEY.split(' ')[1]);
});

test('parsePublicKey accepts every supported key type with ssh-keygen fingerprints', () => {
  for (const key of OTHER_KEYS) {
    const parsed = parsePublicKey(key.line);
    assert.equal(parsed.type, key.type);
    assert.equal(parsed.fingerprint, key.fingerprint, key.type);
    assert.equal(parsed.normalized, key.line);
  }
});

test('parsePublicKey trims whitespace and tolerates missing or spaced comments', () => {
  const [type, body] = HARNESS_KEY.split(' ') as [string, string];
  const bare = parsePublicKey(`  \n${type}\t${body}\n`);
  assert.equal(bare.comment, '');
  assert.equal(bare.normalized, `${type} ${body}`);
  const spaced = parsePublicKey(`${type} ${body}   my  laptop key  `);
  assert.equal(spaced.comment, 'my laptop key');
  assert.equal(spaced.normalized, `${type} ${body} my laptop key`);
});

test('parsePublicKey rejects garbage', () => {
  const [, rsaBody] = HARNESS_KEY.split(' ') as [string, string];
  const ed = OTHER_KEYS[0]!.line.split(' ')[1]!;
  const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ format: 'jwk' });
  const smallBlob = Buffer.concat([
    sshString('ssh-rsa'),
    sshString(Buffer.concat([Buffer.from(small.e!, 'base64url')])),
    sshString(Buffer.concat([Buffer.from([0]), Buffer.from(small.n!, 'base64url')])),
  ]);
  const rsaBlob = Buffer.from(rsaBody, 'base64');
  const offCurve = Buffer.concat([
    sshString('ecdsa-sha2-nistp256'),
    sshString('nistp256'),
    sshString(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])),
  ]);
  const garbage: Array<[string, unknown]> = [
    ['empty', ''],
    ['whitespace', '   '],
    ['not a key', 'hello world'],
    ['type only', 'ssh-rsa'],
    ['unknown type', `ssh-foo ${rsaBody}`],
    ['bad base64', 'ssh-rsa AAAA$$$$ c'],
    ['unpadded base64', `ssh-rsa ${rsaBody.slice(0, -1)} c`],
    ['declared type mismatch', `ssh-ed25519 ${rsaBody} c`],
    ['ed25519 declared as rsa', `ssh-rsa ${ed} c`],
    ['truncated blob', keyLine('ssh-rsa', rsaBlob.subarray(0, rsaBlob.length - 10))],
    ['trailing bytes', keyLine('ssh-rsa', Buffer.concat([rsaBlob, Buffer.from([0, 0, 0, 0])]))],
    ['rsa missing n', keyLine('ssh-rsa', Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([1, 0, 1]))]))],
    ['rsa modulus too small', keyLine('ssh-rsa', smallBlob)],
    [
      'ed25519 wrong length',
      keyLine('ssh-ed25519', Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31))])),
    ],
    [
      'ecdsa curve mismatch',
      keyLine(
        'ecdsa-sha2-nistp256',
        Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp384'), sshString(Buffer.alloc(97, 4))]),
      ),
    ],
    ['ecdsa point off curve', keyLine('ecdsa-sha2-nistp256', offCurve)],
    ['two lines', `${HARNESS_KEY}\n${HARNESS_KEY}`],
    ['options prefix', `no-pty ${HARNESS_KEY}`],
    ['private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----'],
    ['too long', `${HARNESS_KEY} ${'x'.repeat(16 * 1024)}`],
    ['not a string', 42],
  ];
  for (const [name, input] of garbage) {
    assert.throws(() => parsePublicKey(input as string), isInvalid('publicKey'), name);
  }
});

test('generateKeyPair yields a consistent OpenSSH / PKCS#1 pair', async () => {
  const pair = await generateKeyPair('alice@example');
  assert.match(pair.publicKey, /^ssh-rsa AAAA[A-Za-z0-9+/=]+ alice@example$/);
  assert.match(pair.privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n?$/);
  assert.match(pair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  const parsed = parsePublicKey(pair.publicKey);
  assert.equal(parsed.fingerprint, pair.fingerprint);
  assert.equal(parsed.normalized, pair.publicKey);
  const priv = createPrivateKey(pair.privateKey);
  assert.equal(priv.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(priv.asymmetricKeyDetails?.publicExponent, 65537n);
  const pub = priv.export({ format: 'jwk' });
  const blob = parsed.blob;
  assert.ok(blob.includes(Buffer.from(pub.n!, 'base64url')), 'blob carries the private key modulus');
  const unnamed = await generateKeyPair('');
  assert.equal(unnamed.publicKey.split(' ').length, 2);
});

test('encryptForKey output decrypts with the private key', async () => {
  const pair = await generateKeyPair('vm');
  for (const plaintext of ['s3cr3t-Pa55', '', 'ünïcødé pässwörd']) {
    const encrypted = encryptForKey(pair.publicKey, plaintext);
    assert.match(encrypted, /^[A-Za-z0-9+/]+={0,2}$/);
    const ciphertext = Buffer.from(encrypted, 'base64');
    assert.equal(ciphertext.length, 256);
    assert.equal(decryptPkcs1(pair.privateKey, ciphertext), plaintext);
  }
  assert.notEqual(encryptForKey(pair.publicKey, 'x'), encryptForKey(pair.publicKey, 'x'), 'padding is randomized');
});

test('encryptForKey rejects non-RSA and invalid keys', () => {
  for (const key of OTHER_KEYS.filter((k) => k.type !== 'ssh-rsa')) {
    assert.throws(() => encryptForKey(key.line, 'pw'), isInvalid('sshKeyName'), key.type);
  }
  assert.throws(
    () => encryptForKey('garbage', 'pw'),
    (err: unknown) => err instanceof CoreError && err.kind === 'Invalid',
  );
  assert.doesNotThrow(() => encryptForKey(HARNESS_KEY, 'pw'));
});

const hasSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

test(
  'ssh-keygen agrees with the fingerprint of a generated key',
  { skip: !hasSshKeygen && 'ssh-keygen not on PATH' },
  async () => {
    const pair = await generateKeyPair('keygen@check');
    const dir = mkdtempSync(join(tmpdir(), 'nube-sshkey-'));
    try {
      const file = join(dir, 'key.pub');
      writeFileSync(file, `${pair.publicKey}\n`);
      const output = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', file], { encoding: 'utf8' });
      assert.match(output, new RegExp(`^2048 MD5:${pair.fingerprint} keygen@check \\(RSA\\)`));
      const privateFile = join(dir, 'key');
      writeFileSync(privateFile, pair.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', privateFile], { encoding: 'utf8' }).trim();
      assert.equal(derived.split(' ').slice(0, 2).join(' '), pair.publicKey.split(' ').slice(0, 2).join(' '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
