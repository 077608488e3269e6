/** `nube serve` start-up: nothing is written before the listener is up, credentials.json follows the listener, the data dir is created 0700. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freshDatabase } from '../support/runtime.js';
import { serve } from '../support/cli-process.js';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';

interface Creds {
  password: string;
  cloudstack: { endpoint: string; key: string; secret: string };
  cvm: { url: string; public: string; private: string };
  cloudsigma: { url: string; password: string };
}

const readCreds = (dir: string) => JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Creds;

async function listZones(c: Creds): Promise<number> {
  const all = { command: 'listZones', response: 'json', apiKey: c.cloudstack.key };
  const signature = computeSignature(
    c.cloudstack.secret,
    canonicalString(Object.entries(all), { bracketsSafe: false, caseSensitiveSort: false }),
  );
  return (await fetch(`${c.cloudstack.endpoint}?${new URLSearchParams({ ...all, signature })}`)).status;
}

async function stop(s: Awaited<ReturnType<typeof serve>>): Promise<void> {
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
}

test(
  'first start on a taken port writes nothing and names the setting; credentials.json then follows NUBE_LISTEN and NUBE_PUBLIC_URL, secrets kept',
  { timeout: 180_000 },
  async () => {
    const db = await freshDatabase();
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', 'serve'], {
        env: {
          ...process.env,
          ...db.env,
          NUBE_LISTEN: `127.0.0.1:${takenPort}`,
          NUBE_DNS_LISTEN: '127.0.0.1:0',
          NUBE_LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.notEqual(r.status, 0, 'serve exits');
      assert.notEqual(r.status, null, 'serve exits instead of running');
      assert.equal(
        r.stderr.trim(),
        `nube: Cannot listen on 127.0.0.1:${takenPort} (the address is already in use); set NUBE_LISTEN to a free address`,
      );
      assert.equal(
        existsSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json')),
        false,
        'no credentials.json naming a port that failed',
      );

      const first = await serve(db.env);
      assert.match(
        first.out(),
        /Admin credentials \(shown once/,
        'the admin account is created on the first start that listens',
      );
      const created = readCreds(db.env.NUBE_DATA_DIR!);
      assert.equal(created.cloudstack.endpoint, `http://127.0.0.1:${first.port}/compute`);
      assert.equal(await listZones(created), 200);
      await stop(first);

      const moved = await serve(db.env);
      const file = join(db.env.NUBE_DATA_DIR!, 'credentials.json');
      assert.match(
        moved.out(),
        new RegExp(
          `Credentials of the admin account are in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(URLs now http://127\\.0\\.0\\.1:${moved.port}\\)`,
        ),
      );
      const after = readCreds(db.env.NUBE_DATA_DIR!);
      assert.equal(after.cloudstack.endpoint, `http://127.0.0.1:${moved.port}/compute`);
      assert.equal(after.cvm.url, `http://127.0.0.1:${moved.port}/api/client`);
      assert.equal(after.cloudsigma.url, `http://127.0.0.1:${moved.port}`);
      assert.deepEqual(
        [
          after.password,
          after.cloudstack.key,
          after.cloudstack.secret,
          after.cvm.public,
          after.cvm.private,
          after.cloudsigma.password,
        ],
        [
          created.password,
          created.cloudstack.key,
          created.cloudstack.secret,
          created.cvm.public,
          created.cvm.private,
          created.cloudsigma.password,
        ],
        'secrets are kept',
      );
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(await listZones(after), 200, 'the rewritten URLs work');
      await stop(moved);

      const published = await serve({ ...db.env, NUBE_PUBLIC_URL: 'https://cloud.example.test' });
      assert.equal(readCreds(db.env.NUBE_DATA_DIR!).cloudstack.endpoint, 'https://cloud.example.test/compute');
      await stop(published);
      const unchanged = await serve({ ...db.env, NUBE_PUBLIC_URL: 'https://cloud.example.test' });
      assert.match(
        unchanged.out(),
        /Credentials of the admin account are in \S+credentials\.json\.\n/,
        'every start says where the credentials are',
      );
      await stop(unchanged);
    } finally {
      await new Promise((r) => taken.close(r));
      await db.drop();
    }
  },
);

test(
  'first start with NUBE_MASTER_KEY and a data dir that does not exist yet creates it 0700 and writes credentials.json',
  { timeout: 120_000 },
  async () => {
    const db = await freshDatabase();
    const parent = mkdtempSync(join(tmpdir(), 'nube-newdir-'));
    const dataDir = join(parent, 'not', 'yet');
    try {
      const s = await serve({ ...db.env, NUBE_DATA_DIR: dataDir, NUBE_MASTER_KEY: randomBytes(32).toString('hex') });
      assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data dir is private');
      const creds = readCreds(dataDir);
      assert.equal(await listZones(creds), 200);
      await stop(s);
    } finally {
      rmSync(parent, { recursive: true, force: true });
      await db.drop();
    }
  },
);
