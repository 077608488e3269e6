/** Where the SQL time goes: times every SQLite statement of the list and deploy paths in-process (`node --import tsx bench/queries.ts [VMS] [DEPLOYS]`). */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime.js';
import type { CallContext } from '../src/lib/context.js';
import { populateVms } from './populate.js';

/** Per-statement totals: calls and milliseconds. */
const stats = new Map<string, { calls: number; ms: number }>();

function patchStatements(): void {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const method of ['all', 'get', 'run', 'iterate']) {
    const orig = proto[method]!;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      const t = performance.now();
      try {
        return orig.apply(this, args);
      } finally {
        const s = stats.get(this.source) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += performance.now() - t;
        stats.set(this.source, s);
      }
    };
  }
}

function report(title: string, wallMs: number, ops: number): void {
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  const sqlMs = rows.reduce((s, [, v]) => s + v.ms, 0);
  process.stdout.write(
    `\n${title}: ${ops} operations in ${Math.round(wallMs)} ms wall, ${Math.round(sqlMs)} ms inside SQLite (${Math.round((sqlMs / wallMs) * 100)}%)\n`,
  );
  for (const [sql, v] of rows.slice(0, Number(process.env.QUERIES_ROWS ?? 15))) {
    process.stdout.write(
      `${v.ms.toFixed(0).padStart(7)} ms ${String(v.calls).padStart(7)} calls ${(v.ms / v.calls).toFixed(3).padStart(8)} ms/call  ${sql.replace(/\s+/g, ' ').slice(0, 220)}\n`,
    );
  }
  stats.clear();
}

const VMS = Number(process.argv[2] ?? 100_000);
const DEPLOYS = Number(process.argv[3] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'nube-queries-'));
try {
  const rt = await createRuntime(
    loadConfig({ NUBE_DATA_DIR: dir, NUBE_LISTEN: '127.0.0.1:0', NUBE_DEFAULT_LIMITS: 'off' }),
    {
      log: pino({ level: 'silent' }),
    },
  );
  const created = await rt.core.accounts.createAccount('admin', { admin: true });
  await populateVms(rt.store, dir, 'admin', VMS);
  const ctx: CallContext = {
    accountId: created.account.id,
    accountName: 'admin',
    userId: created.user.id,
    isAdmin: true,
    requestId: 'bench',
    origin: 'cloudstack:bench',
  };
  await rt.core.vms.list(ctx, { page: 1, pageSize: 20 });
  patchStatements();
  let t0 = performance.now();
  for (let i = 0; i < 200; i++) await rt.core.vms.list(ctx, { page: 1, pageSize: 20 });
  report(`listVirtualMachines page 1 of ${VMS} VMs (core only, no HTTP)`, performance.now() - t0, 200);

  await rt.engine.start();
  const zone = (await rt.core.catalog.listZones())[0]!;
  const offering = (await rt.core.catalog.listServiceOfferings()).find((o) => o.name === 'Micro')!;
  const template = await rt.store.db
    .selectFrom('templates')
    .select('id')
    .where('featured', '=', 1)
    .executeTakeFirstOrThrow();
  t0 = performance.now();
  const tasks: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < DEPLOYS) {
        const r = await rt.core.vms.create(ctx, { zoneId: zone.id, offeringId: offering.id, templateId: template.id });
        tasks.push(r.receipt.taskId);
      }
    }),
  );
  for (const id of tasks) await rt.engine.wait(id, 120_000);
  report(
    `deploy → Running, ${DEPLOYS} VMs, 64 concurrent callers (core + engine, no HTTP)`,
    performance.now() - t0,
    DEPLOYS,
  );
  await rt.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
