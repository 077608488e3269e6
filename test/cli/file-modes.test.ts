import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase, TEST_DB } from '../support/runtime.js';
import { serve } from '../support/cli-process.js';
import { encodeRecord, parseRecord } from '../../src/lib/sigma-text.js';

const TIGHTENED = /readable by other local users; they are now owner-only/g;

/** Every path under dir (dir included) with its permission bits. */
function modes(dir: string): Map<string, number> {
  const out = new Map<string, number>([[dir, statSync(dir).mode & 0o777]]);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath ?? e.path, e.name);
    if (!e.isSymbolicLink()) out.set(p, statSync(p).mode & 0o777);
  }
  return out;
}

/** Asserts directories are 0700 and files 0600 (or 0700 when executable) under dir. */
function assertPrivate(dir: string): void {
  for (const [p, m] of modes(dir)) {
    if (statSync(p).isDirectory()) assert.equal(m, 0o700, `${p} is ${m.toString(8)}`);
    else assert.ok(m === 0o600 || m === 0o700, `${p} is ${m.toString(8)}`);
  }
}

async function stop(s: Awaited<ReturnType<typeof serve>>): Promise<void> {
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
}

test('serve creates the data dir 0700 and its files 0600, and tightens a data dir left readable, saying so once', async () => {
  const db = await freshDatabase();
  const dataDir = join(db.env.NUBE_DATA_DIR!, 'new-data-dir');
  const env = { ...db.env, NUBE_DATA_DIR: dataDir };
  try {
    const s = await serve(env);
    const cred = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
    const auth = `Basic ${Buffer.from(`${cred.cloudsigma.user}:${cred.cloudsigma.password}`).toString('base64')}`;
    const made = await fetch(`${cred.cloudsigma.url}/drives/create`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: encodeRecord({ name: 'd', size: '1M' }),
    });
    assert.equal(made.status, 200);
    const drive = parseRecord(await made.text()).drive!;
    const wrote = await fetch(`${cred.cloudsigma.url}/drives/${drive}/write/0`, {
      method: 'POST',
      headers: { authorization: auth },
      body: Buffer.from('volume bytes'),
    });
    assert.equal(wrote.status, 204);

    const expected = [
      'master.key',
      'credentials.json',
      'volumes',
      ...(TEST_DB === 'sqlite' ? ['nube.db', 'nube.db-wal', 'nube.db-shm'] : []),
    ];
    for (const f of expected) assert.ok(existsSync(join(dataDir, f)), `${f} exists`);
    assert.ok(readdirSync(join(dataDir, 'volumes')).length > 0, 'the drive has a volume file');
    assertPrivate(dataDir);
    assert.doesNotMatch(s.out(), TIGHTENED, 'nothing to tighten in a data dir made private from the start');
    await stop(s);

    for (const [p] of modes(dataDir)) chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    const again = await serve(env);
    assert.equal(
      again.out().match(TIGHTENED)?.length,
      1,
      `one log line says the data dir was tightened:\n${again.out()}`,
    );
    assertPrivate(dataDir);
    await stop(again);

    const third = await serve(env);
    assert.doesNotMatch(third.out(), TIGHTENED, 'and only when there was something to tighten');
    await stop(third);
  } finally {
    await db.drop();
  }
});
