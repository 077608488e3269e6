import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { freshDatabase } from '../support/runtime.js';
import { nube, serve, serveRefused } from '../support/cli-process.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { readSetting } from '../../src/store/settings.js';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';

const hexKey = () => randomBytes(32).toString('hex');

async function stop(s: Awaited<ReturnType<typeof serve>>): Promise<void> {
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
}

/** Asserts a refusal: non-zero exit, never Ready, and one line on stderr matching re (besides the CLI's line naming the store). */
function assertRefused(r: ReturnType<typeof nube>, re: RegExp): void {
  assert.ok(
    r.status !== null && r.status !== 0,
    `refused with an exit status (status ${r.status}, signal ${r.signal}): ${r.stdout}${r.stderr}`,
  );
  assert.doesNotMatch(r.stdout, /Ready\./);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('nube: using '));
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, re);
}

async function listZones(port: number, key: string, secret: string): Promise<number> {
  const all = { command: 'listZones', response: 'json', apiKey: key };
  const signature = computeSignature(
    secret,
    canonicalString(Object.entries(all), { bracketsSafe: false, caseSensitiveSort: false }),
  );
  return (await fetch(`http://127.0.0.1:${port}/client/api?${new URLSearchParams({ ...all, signature })}`)).status;
}

test('serve and the CLI refuse another master key, or a missing key file, in one line naming the setting to fix', async () => {
  const db = await freshDatabase();
  try {
    const first = await serve(db.env);
    const admin = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
    await stop(first);
    const wrong = { ...db.env, NUBE_MASTER_KEY: hexKey() };

    assertRefused(serveRefused(wrong), /master key .*: fix NUBE_MASTER_KEY$/);
    assertRefused(nube(wrong, 'admin', 'keys', 'create', 'admin'), /fix NUBE_MASTER_KEY$/);
    const keys = nube(db.env, 'admin', 'keys', 'list', 'admin');
    assert.equal(keys.status, 0, keys.stderr);
    assert.equal(JSON.parse(keys.stdout).length, 1, 'no key pair was made under the wrong key');

    const keyFile = join(db.env.NUBE_DATA_DIR!, 'master.key');
    renameSync(keyFile, `${keyFile}.bak`);
    assertRefused(
      serveRefused(db.env),
      new RegExp(`NUBE_MASTER_KEY or the key file ${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
    assert.ok(!existsSync(keyFile), 'a refused start leaves no new key file behind');
    assertRefused(nube(db.env, 'admin', 'account', 'list'), /set NUBE_MASTER_KEY or put the store's key file at/);
    renameSync(`${keyFile}.bak`, keyFile);

    const again = await serve(db.env);
    assert.equal(
      await listZones(again.port, admin.cloudstack.key, admin.cloudstack.secret),
      200,
      'the right key still serves',
    );
    await stop(again);
  } finally {
    await db.drop();
  }
});

test('a store without a check value adopts a key that decrypts its secrets (or any key while it holds none) and refuses others', async () => {
  const db = await freshDatabase();
  const [k1, k2] = [hexKey(), hexKey()];
  const open = (key: string) =>
    createRuntime(loadConfig({ ...db.env, NUBE_MASTER_KEY: key }), { log: pino({ level: 'silent' }) });
  const dropCheck = async (rt: Awaited<ReturnType<typeof open>>) => {
    await rt.store.db.deleteFrom('settings').where('key', '=', 'master_key_check').execute();
  };
  try {
    let rt = await open(k1);
    await dropCheck(rt);
    await rt.close();
    rt = await open(k2);
    assert.ok(
      await readSetting(rt.store.db, 'master_key_check'),
      'a store with no secrets adopts the key it is opened with',
    );
    await rt.core.accounts.createAccount('alice');
    const check = await readSetting(rt.store.db, 'master_key_check');
    assert.ok(check && !check.includes(k2), 'the check value is not the key');
    await dropCheck(rt);
    await rt.close();

    await assert.rejects(open(k1), /cannot decrypt the secrets already stored\): fix NUBE_MASTER_KEY$/);
    rt = await open(k2);
    assert.equal(
      await readSetting(rt.store.db, 'master_key_check'),
      check,
      'the key that decrypts the secrets is adopted',
    );
    await rt.close();
    await assert.rejects(open(k1), /set up with another key\): fix NUBE_MASTER_KEY$/);
  } finally {
    await db.drop();
  }
});
