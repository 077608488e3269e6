/** The npm package: `npm pack` gives a tarball that installs into an empty directory and runs `npx nube serve` there, with no repository around. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { freePort, REPO_ROOT } from '../proof/child.js';
import { HttpCs } from '../proof/http-cs.js';
import { until } from '../support/until.js';

const work = mkdtempSync(join(tmpdir(), 'nube-pack-'));
let serve: ChildProcess | undefined;
after(() => {
  // The server runs under npx in its own process group: nothing of it may outlive the test.
  if (serve?.pid && serve.exitCode === null && serve.signalCode === null) {
    try {
      process.kill(-serve.pid, 'SIGKILL');
    } catch {
      /* the group has already gone */
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** Runs a command to completion, failing the test with its output when it fails. */
function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, npm_config_fund: 'false' },
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The environment of a user's shell: none of this repository's or the test run's Nube settings. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('NUBE_') && k !== 'DATABASE_URL' && !k.startsWith('npm_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * better-sqlite3's install script fetches a prebuilt addon (or compiles SQLite for minutes when it cannot): the
 * install skips scripts and takes the addon this checkout already built when the versions match, else rebuilds it.
 */
function provideSqliteAddon(app: string): void {
  const installed = join(app, 'node_modules', 'better-sqlite3');
  const local = join(REPO_ROOT, 'node_modules', 'better-sqlite3');
  const version = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const addon = join('build', 'Release', 'better_sqlite3.node');
  if (existsSync(join(local, addon)) && version(local) === version(installed)) {
    mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
    copyFileSync(join(local, addon), join(installed, addon));
  } else run('npm', ['rebuild', 'better-sqlite3'], app);
}

test(
  'npm pack → npm install in an empty directory → npx nube serve answers CloudStack',
  { timeout: 900_000 },
  async () => {
    const dist = join(work, 'tarball');
    mkdirSync(dist);
    run('npm', ['pack', '--pack-destination', dist], REPO_ROOT);
    const [tarball] = readdirSync(dist).filter((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'uses-nube', private: true }));
    run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', join(dist, tarball)], app);
    provideSqliteAddon(app);
    const pkg = join(app, 'node_modules', 'nube');
    assert.ok(existsSync(join(pkg, 'LICENSE')), 'the package carries its LICENSE');
    assert.match(readFileSync(join(pkg, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
    assert.ok(existsSync(join(pkg, 'dist', 'cli', 'main.js')), 'the package carries the built code');
    assert.ok(!existsSync(join(pkg, 'src')) && !existsSync(join(pkg, 'test')), 'sources and tests stay out of it');

    const db = await freshDatabase();
    after(() => db.drop());
    const port = await freePort();
    serve = spawn('npx', ['nube', 'serve'], {
      cwd: app,
      env: userEnv({ ...db.env, NUBE_LISTEN: `127.0.0.1:${port}`, NUBE_DNS_LISTEN: '127.0.0.1:0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    serve.stdout!.on('data', (d) => (out += d));
    serve.stderr!.on('data', (d) => (out += d));
    await until('Ready.', () => /^Ready\.$/m.test(out) || serve!.exitCode !== null, 120_000, 100);
    assert.match(out, /^Ready\.$/m, out);

    const creds = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
    const cs = new HttpCs(`http://127.0.0.1:${port}`, creds.cloudstack.key, creds.cloudstack.secret, 1);
    const zones = (await cs.ok('listZones')).zone as Array<{ name: string }>;
    await cs.close();
    assert.ok(zones.length > 0, 'listZones lists the zones');

    // As Ctrl-C or a service manager does: the signal goes to the whole group (npx, its shell, nube).
    process.kill(-serve.pid!, 'SIGTERM');
    await once(serve, 'close');
    assert.match(out, /"msg":"stopped"/, out);
  },
);
