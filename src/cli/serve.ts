/** `nube serve`: boots Nube (src/cli/boot.ts), prints where the admin's credentials are and Ready, stops on a signal. */
import { loadConfig } from '../config.js';
import { boot, type Booted } from './boot.js';

/** Runs the server until SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  const t0 = performance.now();
  const booted = await boot(loadConfig());
  const { config, rt } = booted;
  process.stdout.write(credentialsNote(booted));
  for (const a of booted.seeded) process.stdout.write(`Seeded account ${a.name} (${a.resources} resources).\n`);
  process.stdout.write(
    `Nube listening on ${config.publicUrl} (driver ${config.driver}, store ${rt.store.kind}) in ${Math.round(performance.now() - t0)} ms\nReady.\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await booted.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** What serve says about the admin's credentials: shown once on first start, else where they are. */
function credentialsNote(b: Booted): string {
  const { credFile, fileState, config } = b;
  if (b.firstStart)
    return `Admin credentials (shown once, also in ${credFile}):\n${JSON.stringify(b.firstStart, null, 2)}\n`;
  if (b.adminByOther)
    return "The admin account was created by another nube serve starting on this database at the same time; its credentials.json is in that server's data dir.\n";
  if (fileState === 'missing')
    return `The admin account exists but ${credFile} is missing; create a new key pair with \`nube admin keys create admin\`.\n`;
  if (fileState === 'unreadable')
    return `Credentials of the admin account: ${credFile} is not valid JSON; its URLs were left as they are.\n`;
  return `Credentials of the admin account are in ${credFile}${fileState === 'updated' ? ` (URLs now ${config.publicUrl})` : ''}.\n`;
}
