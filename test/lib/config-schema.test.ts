/** The configuration schema: errors name the variable (and the NUBE_CONFIG file), unknown NUBE_* variables warn, README's table is the generated one. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CONFIG_VARS, configTable } from '../../src/config-vars.js';

const dir = mkdtempSync(join(tmpdir(), 'nube-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The message of the ConfigError loadConfig throws for env. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message;
  }
  assert.fail('loadConfig accepted it');
}

test('a bad value is refused naming the variable, what it must be and what it got', () => {
  assert.equal(refusal({ NUBE_WORKERS: 'many' }), 'NUBE_WORKERS must be an integer >= 1, got "many"');
  assert.equal(refusal({ NUBE_SIM_HOSTS: '0' }), 'NUBE_SIM_HOSTS must be an integer >= 1, got "0"');
  assert.equal(refusal({ NUBE_DRIVER: 'xen' }), 'NUBE_DRIVER must be sim or qemu, got "xen"');
  assert.equal(refusal({ NUBE_LISTEN: 'localhost' }), 'NUBE_LISTEN must be HOST:PORT, got "localhost"');
  assert.match(refusal({ NUBE_LOG_LEVEL: 'loud' }), /^NUBE_LOG_LEVEL must be fatal, .* or silent, got "loud"$/);
  assert.match(refusal({ NUBE_BILLING_CURRENCY: 'euro' }), /^NUBE_BILLING_CURRENCY must be a three-letter/);
});

test('secrets are never repeated in an error', () => {
  const url = refusal({ DATABASE_URL: 'mysql://root:hunter2@db/nube' });
  assert.match(url, /^DATABASE_URL must be a URL starting with postgres:\/\//);
  assert.ok(!url.includes('hunter2'));
  const pw = refusal({ NUBE_ADMIN_PASSWORD: 'short' });
  assert.equal(pw, 'NUBE_ADMIN_PASSWORD must be 8 to 128 characters');
  assert.match(refusal({ NUBE_ADMIN_KEY: 'abcdefghij' }), /NUBE_ADMIN_KEY and NUBE_ADMIN_SECRET must be set together/);
});

test('a value from the NUBE_CONFIG file is refused naming the file; the environment wins over the file', () => {
  const file = join(dir, 'nube.json');
  writeFileSync(file, JSON.stringify({ NUBE_WORKERS: 0, NUBE_SIM_HOSTS: 2 }));
  assert.equal(refusal({ NUBE_CONFIG: file }), `NUBE_WORKERS (in ${file}) must be an integer >= 1, got "0"`);
  const cfg = loadConfig({ NUBE_CONFIG: file, NUBE_WORKERS: '8' });
  assert.deepEqual([cfg.workers, cfg.sim.hostsPerZone], [8, 2]);
  writeFileSync(file, '{ "NUBE_WORKERS": ');
  assert.match(refusal({ NUBE_CONFIG: file }), new RegExp(`^NUBE_CONFIG file ${file} is not valid JSON`));
  assert.equal(
    refusal({ NUBE_CONFIG: join(dir, 'none.json') }),
    `NUBE_CONFIG file not found: ${join(dir, 'none.json')}`,
  );
});

test('unknown NUBE_* variables (and unknown names in the file) are warned about, one line each', () => {
  const file = join(dir, 'typo.json');
  writeFileSync(file, JSON.stringify({ NUBE_WORKRES: 4 }));
  const cfg = loadConfig({ NUBE_CONFIG: file, NUBE_SIM_HOST: '2', HOME: '/root' });
  assert.deepEqual(cfg.warnings.sort(), [
    'unknown variable NUBE_SIM_HOST ignored',
    `unknown variable NUBE_WORKRES (in ${file}) ignored`,
  ]);
  assert.deepEqual(loadConfig({ NUBE_WORKERS: '2' }).warnings, []);
});

test('defaults and meanings stay as they were', () => {
  const cfg = loadConfig({});
  assert.equal(cfg.port, 8080);
  assert.equal(cfg.workers, 64);
  assert.equal(cfg.rateLimits, true);
  assert.equal(cfg.outbound.webhookRetryMs, cfg.outbound.callbackRetryMs);
  assert.equal(loadConfig({ NUBE_CALLBACK_ATTEMPTS: '3' }).outbound.webhookAttempts, 3);
  assert.equal(loadConfig({ NUBE_RATE_LIMITS: 'Off' }).rateLimits, false);
  assert.equal(loadConfig({ NUBE_OUTBOUND_ALLOW_PRIVATE: '1' }).outbound.allowPrivate, true);
  assert.equal(loadConfig({ NUBE_LISTEN: '0.0.0.0:9000' }).publicUrl, 'http://127.0.0.1:9000');
});

test("README's configuration table is the one generated from the schema (npm run docs rewrites it)", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /<!-- config-table:start[^>]*-->([\s\S]*?)<!-- config-table:end -->/.exec(readme);
  assert.ok(m, 'README has the config-table markers');
  const cells = (table: string) =>
    table
      .trim()
      .split('\n')
      .filter((l) => !/^\|\s*-+/.test(l))
      .map((l) => l.split(' | ').map((c) => c.replace(/^\|/, '').replace(/\|$/, '').trim()));
  assert.deepEqual(cells(m[1]!), cells(configTable()), 'README is stale: run npm run docs');
  for (const name of Object.keys(CONFIG_VARS.properties)) assert.ok(m[1]!.includes(`\`${name}\``), name);
});
