/** `nube serve`: boots the runtime, creates the admin account on first start, listens, prints Ready. */
import { existsSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { createRuntime } from '../runtime.js';
import { buildApp } from '../app.js';
import { credentialsJson } from './credentials.js';

/** Runs the server until SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  const t0 = performance.now();
  const config = loadConfig();
  let ready = false;
  const rt = await createRuntime(config, { startEngine: false });
  for (const file of await rt.core.volumeData.sweepOrphans(performance.timeOrigin)) rt.log.warn({ file }, 'removed a storage file that no volume or snapshot owns');
  const credFile = join(config.dataDir, 'credentials.json');
  const exists = await rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirst();
  let firstStart: Record<string, unknown> | null = null;
  if (!exists) {
    const created = await rt.core.accounts.createAccount('admin', { email: 'admin@nube.local', admin: true });
    firstStart = credentialsJson(config, created);
    writeFileSync(credFile, JSON.stringify(firstStart, null, 2) + '\n', { mode: 0o600 });
    chmodSync(credFile, 0o600);
  }
  const app = await buildApp({ core: rt.core, readiness: { ready: () => ready }, log: rt.log });
  await app.listen({ host: config.host, port: config.port });
  await rt.engine.start();
  const metering = config.billing.meterEveryMs > 0 ? setInterval(() => {
    rt.core.billing.meterDue().catch((err: unknown) => rt.log.error({ err }, 'billing metering failed'));
  }, config.billing.meterEveryMs) : undefined;
  metering?.unref();
  ready = true;
  if (firstStart) {
    process.stdout.write(`Admin credentials (shown once, also in ${credFile}):\n${JSON.stringify(firstStart, null, 2)}\n`);
  } else if (!existsSync(credFile)) {
    process.stdout.write(`The admin account exists but ${credFile} is missing; create a new key pair with \`nube admin keys create admin\`.\n`);
  }
  process.stdout.write(`Nube listening on ${config.publicUrl} (driver ${config.driver}, store ${rt.store.kind}) in ${Math.round(performance.now() - t0)} ms\nReady.\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    ready = false;
    if (metering) clearInterval(metering);
    await app.close();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
