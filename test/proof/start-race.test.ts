/**
 * Start race proof: two `nube serve` started at once on one fresh PostgreSQL database both get ready with one admin
 * account and one catalog; a second `nube serve` on a SQLite data dir that a serve holds refuses to start.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TEST_DB, freshDatabase } from '../support/runtime.js';
import { openStore } from '../../src/store/db.js';
import { SEED_OFFERINGS, SEED_ZONES } from '../../src/core/catalog/seed.js';
import { REPO_ROOT, freePort, startServe } from './child.js';
import { HttpCs } from './http-cs.js';

const TRIES = 5;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nube-race-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function count(
  db: ReturnType<typeof openStore>['db'],
  table: 'zones' | 'service_offerings' | 'templates' | 'hosts',
): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

test(
  `two serves started at once on one fresh PostgreSQL database both get ready, with one admin account and one catalog (${TRIES} tries)`,
  {
    skip:
      TEST_DB === 'postgres'
        ? false
        : 'PostgreSQL only (NUBE_TEST_DB=postgres): several serves share only a PostgreSQL store',
    timeout: 300_000,
  },
  async (t) => {
    const masterKey = randomBytes(32).toString('hex');
    for (let i = 0; i < TRIES; i++) {
      const db = await freshDatabase();
      cleanups.push(db.drop);
      const envA: Record<string, string> = { ...db.env, NUBE_MASTER_KEY: masterKey };
      const envB: Record<string, string> = { ...db.env, NUBE_DATA_DIR: tempDir(), NUBE_MASTER_KEY: masterKey };
      const started = await Promise.allSettled([
        startServe(envA, { timeoutMs: 60_000 }),
        startServe(envB, { timeoutMs: 60_000 }),
      ]);
      const children = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      for (const c of children) cleanups.push(() => c.stop());
      const failures = started.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
      assert.deepEqual(failures, [], `try ${i + 1}: both serves get ready`);

      const store = openStore({ databaseUrl: db.env.DATABASE_URL });
      try {
        const admins = await store.db.selectFrom('accounts').select('id').where('name', '=', 'admin').execute();
        assert.equal(admins.length, 1, 'exactly one admin account');
        assert.equal(await count(store.db, 'zones'), SEED_ZONES.length, 'one set of zones');
        assert.equal(await count(store.db, 'service_offerings'), SEED_OFFERINGS.length, 'one set of offerings');
      } finally {
        await store.close();
      }
      const files = [envA.NUBE_DATA_DIR!, envB.NUBE_DATA_DIR!].filter((d) => existsSync(join(d, 'credentials.json')));
      assert.equal(files.length, 1, 'the server that created the admin account wrote its credentials');
      const creds = JSON.parse(readFileSync(join(files[0]!, 'credentials.json'), 'utf8')) as {
        cloudstack: { key: string; secret: string };
      };
      for (const c of children) {
        const cs = new HttpCs(c.baseUrl, creds.cloudstack.key, creds.cloudstack.secret, 1);
        try {
          assert.equal((await cs.ok('listZones')).count, SEED_ZONES.length, 'the admin key pair works on both servers');
        } finally {
          await cs.close();
        }
        await c.stop();
      }
      t.diagnostic(`try ${i + 1}: ready in ${children.map((c) => Math.round(c.readyMs)).join(' and ')} ms`);
    }
  },
);

test(
  'a second serve on the same SQLite data dir exits with a one-line message; admin commands still work; kill -9 leaves no stale lock',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const env = { NUBE_DATA_DIR: dir, DATABASE_URL: '' };
    const first = await startServe(env);
    cleanups.push(() => first.stop());

    const port = await freePort();
    const second = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'cli-main.ts'), 'serve'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NUBE_DNS_LISTEN: '127.0.0.1:0',
          ...env,
          NUBE_LISTEN: `127.0.0.1:${port}`,
          NUBE_LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.notEqual(second.status, null, `the second serve exits instead of running: ${second.stdout}${second.stderr}`);
    assert.notEqual(second.status, 0);
    const lines = second.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${second.stderr}`);
    assert.match(
      lines[0]!,
      new RegExp(
        `^nube: Another nube serve \\(pid ${first.proc.pid}\\) is using the data dir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; stop it first`,
      ),
    );
    assert.doesNotMatch(second.stdout, /Ready\./);

    const list = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'cli-main.ts'), 'admin', 'account', 'list'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(list.status, 0, `admin commands work while serve runs: ${list.stderr}`);
    assert.match(list.stdout, /"admin"/);

    await first.kill9();
    const third = await startServe(env);
    cleanups.push(() => third.stop());
    assert.match(third.output(), /Ready\./, 'a killed serve leaves no stale lock');
  },
);
