/** A fresh catalog has the same ids on every machine (seed 004's real Exoscale ids where it shows them), so test suites can hard-code them. */
import test from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { freshDatabase } from '../support/runtime.js';

const TABLES = ['zones', 'hosts', 'networks', 'service_offerings', 'disk_offerings', 'templates'] as const;

/** Every catalog row of a fresh store, as `table name id` lines, plus the OS types. */
async function catalogIds(): Promise<string[]> {
  const db = await freshDatabase();
  const rt = await createRuntime(loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...db.env }), {
    log: pino({ level: 'silent' }),
  });
  try {
    const out: string[] = [];
    for (const table of TABLES) {
      const rows = await rt.store.db.selectFrom(table).select(['id', 'name']).execute();
      out.push(...rows.map((r) => `${table} ${r.name} ${r.id}`));
    }
    const os = await rt.store.db.selectFrom('os_types').select(['id', 'description']).execute();
    out.push(...os.map((r) => `os_types ${r.description} ${r.id}`));
    return out.sort();
  } finally {
    await rt.close();
    await db.drop();
  }
}

test('two fresh stores get the same catalog ids, the Exoscale ones where seed 004 shows them', async () => {
  const first = await catalogIds();
  const second = await catalogIds();
  assert.ok(first.length > 30, `a whole catalog (${first.length} rows)`);
  assert.deepEqual(second, first);
  for (const line of [
    'zones ch-gva-2 1128bd56-b4d9-4ac6-a7b9-c715b187ce11',
    'service_offerings Micro 71004023-bb72-4a97-b1e9-bc66dfce9470',
    'service_offerings Small 21624abb-764e-4def-81d7-9fc54b5957fb',
    'service_offerings GPU-huge dee65287-12cf-4e36-b635-32dbc9a2e909',
    'os_types Other (64-bit) 8fec0e5f-345a-4681-b077-6792fd09cd22',
  ])
    assert.ok(first.includes(line), line);
  const other = first.find((l) => l.startsWith('zones de-fra-1 '))!;
  assert.match(
    other.split(' ')[2]!,
    /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'a UUIDv5',
  );
});
