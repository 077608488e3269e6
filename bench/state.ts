/** Issue 14: with BENCH_STATE_VMS VMs (10,000) of a user account, the time of a state save, a state load and a reset (in-process on SQLite). */
import { createWriteStream, createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime.js';
import { populateVms } from './populate.js';
import type { Figure } from './report.js';

/** What the state part needs from the bench runner. */
export interface StateContext {
  vms: number;
  tempDir(name: string): string;
  log(msg: string): void;
}

/** Fills a fresh store with ctx.vms VMs, then times save, load and reset once each. */
export async function stateFigures(ctx: StateContext): Promise<Figure[]> {
  const dir = ctx.tempDir('state');
  const rt = await createRuntime(loadConfig({ NUBE_DATA_DIR: dir, NUBE_LISTEN: '127.0.0.1:0', DATABASE_URL: '' }), {
    log: pino({ level: 'warn' }),
  });
  try {
    await rt.core.accounts.createAccount('admin', { admin: true, email: 'admin@nube.local' });
    await rt.core.accounts.createAccount('bench');
    ctx.log(`inserting ${ctx.vms} VMs`);
    await populateVms(rt.store, dir, 'bench', ctx.vms);
    const file = join(dir, 'state.tar');
    let t0 = performance.now();
    await pipeline(await rt.core.state.save(), createWriteStream(file));
    const save = performance.now() - t0;
    t0 = performance.now();
    const loaded = await rt.core.state.load(createReadStream(file));
    const load = performance.now() - t0;
    const vms = (
      await rt.store.db
        .selectFrom('vms')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst()
    )?.n;
    if (Number(vms) !== ctx.vms) throw new Error(`the loaded state holds ${vms} VMs, not ${ctx.vms}`);
    t0 = performance.now();
    const reset = await rt.core.state.reset();
    const resetMs = performance.now() - t0;
    const n = ctx.vms.toLocaleString('en');
    const mib = Math.round((statSync(file).size / 2 ** 20) * 10) / 10;
    ctx.log(
      `state with ${n} VMs: save ${Math.round(save)} ms (${mib} MiB), load ${Math.round(load)} ms (${loaded.rows} rows), reset ${reset.ms} ms`,
    );
    return [
      {
        part: 'state',
        name: `state save with ${n} VMs (${mib} MiB tar)`,
        value: `${Math.round(save)} ms`,
        goal: '—',
        ok: null,
      },
      {
        part: 'state',
        name: `state load with ${n} VMs (${loaded.rows.toLocaleString('en')} rows)`,
        value: `${Math.round(load)} ms`,
        goal: '—',
        ok: null,
      },
      {
        part: 'state',
        name: `reset with ${n} VMs`,
        value: `${Math.round(resetMs)} ms`,
        goal: '< 1000 ms',
        ok: resetMs < 1000,
      },
    ];
  } finally {
    await rt.close();
  }
}
