import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore, freshDatabase, startTestEnv, TEST_DB } from '../support/runtime.js';
import { nubeAt } from '../support/cli-process.js';
import { netCatalog, deployVm } from '../dialects/cloudstack/network-fixtures.js';
import { readSetting, writeSetting } from '../../src/store/settings.js';

/** An empty working directory, removed after fn. */
async function inEmptyDir(fn: (cwd: string) => Promise<void> | void): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'nube-cwd-'));
  try {
    await fn(cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** What the CLI says it opened for the store of a freshDatabase() environment. */
function usingLine(env: Record<string, string>): string {
  return env.DATABASE_URL
    ? `nube: using PostgreSQL store ${env.DATABASE_URL}\n`
    : `nube: using SQLite store ${join(env.NUBE_DATA_DIR!, 'nube.db')}\n`;
}

const NAMES_SETTINGS = /NUBE_DATA_DIR, DATABASE_URL or NUBE_CONFIG/;

test('CLI commands run from another directory create no store: they exit non-zero and name the settings to use', async () => {
  await inEmptyDir((cwd) => {
    for (const args of [
      ['admin', 'account', 'list'],
      ['admin', 'keys', 'create', 'admin'],
      ['vm', 'console', 'x'],
    ]) {
      const r = nubeAt(cwd, {}, ...args);
      assert.notEqual(r.status, 0, `${args.join(' ')} must fail, printed ${r.stdout}`);
      assert.equal(r.stdout, '', 'no answer such as [] from an empty store');
      assert.match(r.stderr, NAMES_SETTINGS);
      assert.match(
        r.stderr,
        new RegExp(`No Nube store at ${join(cwd, '.nube', 'nube.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.ok(!existsSync(join(cwd, '.nube')), 'no ./.nube (and no master key) is created');
    }
  });
});

test(
  'a DATABASE_URL that names no Nube store is refused and left untouched',
  { skip: TEST_DB !== 'postgres' && 'PostgreSQL only' },
  async () => {
    const db = await freshDatabase();
    try {
      await inEmptyDir((cwd) => {
        const empty = nubeAt(
          cwd,
          { DATABASE_URL: db.env.DATABASE_URL!, NUBE_DATA_DIR: db.env.NUBE_DATA_DIR! },
          'admin',
          'account',
          'list',
        );
        assert.notEqual(empty.status, 0);
        assert.match(empty.stderr, /holds no Nube store/);
        assert.match(empty.stderr, NAMES_SETTINGS);
        const missing = nubeAt(cwd, { DATABASE_URL: db.env.DATABASE_URL! + '_missing' }, 'admin', 'account', 'list');
        assert.notEqual(missing.status, 0);
        assert.match(missing.stderr, /does not exist/);
        assert.match(missing.stderr, NAMES_SETTINGS);
      });
      const c = new pg.Client({ connectionString: db.env.DATABASE_URL });
      await c.connect();
      const tables = await c.query(
        "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
      );
      await c.end();
      assert.equal(tables.rows[0].n, 0, 'the CLI created no tables');
      assert.ok(!existsSync(join(db.env.NUBE_DATA_DIR!, 'master.key')), 'and no master key');
    } finally {
      await db.drop();
    }
  },
);

test('CLI commands find the store `serve` uses through NUBE_DATA_DIR, DATABASE_URL or NUBE_CONFIG and say which they opened', async () => {
  const db = await freshDatabase();
  try {
    await createStore(db.env);
    await inEmptyDir((cwd) => {
      const made = nubeAt(cwd, db.env, 'admin', 'account', 'create', 'carol');
      assert.equal(made.status, 0, made.stderr);
      assert.equal(JSON.parse(made.stdout).account, 'carol');
      assert.equal(made.stderr, usingLine(db.env), 'one line naming the store');
      const file = join(cwd, 'nube.json');
      writeFileSync(file, JSON.stringify(db.env));
      const listed = nubeAt(cwd, { NUBE_CONFIG: file }, 'admin', 'account', 'list');
      assert.equal(listed.status, 0, listed.stderr);
      assert.deepEqual(
        JSON.parse(listed.stdout).map((a: { name: string }) => a.name),
        ['carol'],
      );
      assert.equal(listed.stderr, usingLine(db.env));
      assert.ok(!existsSync(join(cwd, '.nube')));
    });
  } finally {
    await db.drop();
  }
});

test('`nube vm console` reads the driver from the store: no NUBE_DRIVER needed', async () => {
  const key = randomBytes(32).toString('hex');
  const env = await startTestEnv({ NUBE_MASTER_KEY: key });
  try {
    assert.equal(await readSetting(env.rt.store.db, 'driver'), 'sim', 'a started runtime records its driver');
    const vm = await deployVm(env.cs, await netCatalog(env.cs));
    // The store as a `serve` with NUBE_DRIVER=qemu leaves it: its driver recorded, the VM's serial console captured.
    await writeSetting(env.rt.store.db, 'driver', 'qemu');
    mkdirSync(join(env.config.dataDir, 'vms', vm.id), { recursive: true });
    writeFileSync(join(env.config.dataDir, 'vms', vm.id, 'console.log'), `NUBE-GUEST-READY ${vm.name}\n`);
    const storeEnv = {
      NUBE_DATA_DIR: env.config.dataDir,
      NUBE_MASTER_KEY: key,
      ...(env.config.databaseUrl ? { DATABASE_URL: env.config.databaseUrl } : {}),
    };
    await inEmptyDir((cwd) => {
      const r = nubeAt(cwd, storeEnv, 'vm', 'console', vm.id);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `NUBE-GUEST-READY ${vm.name}\n`);
    });
  } finally {
    await env.close();
  }
});
