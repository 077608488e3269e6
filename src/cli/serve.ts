/** `nube serve`: boots Nube (src/cli/boot.ts), prints where the admin's credentials are and Ready, stops on a signal. */
import { loadConfig } from '../config.js';
import { boot, type Booted } from './boot.js';
import type { Runtime } from '../runtime.js';
import { exitAfterLogs } from '../lib/log-stream.js';

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
  stopOnSignals(rt, () => booted.stop());
}

/** Exit code of a second signal during shutdown (as a shell reports an interrupted command). */
const EXIT_INTERRUPTED = 130;
/** Exit code when requests or task steps were still running at NUBE_SHUTDOWN_TIMEOUT_MS. */
const EXIT_TIMED_OUT = 1;

/**
 * Graceful stop on SIGTERM/SIGINT: close (the listener stops accepting, in-flight requests and running task steps
 * finish), within NUBE_SHUTDOWN_TIMEOUT_MS; past it, or on a second signal, the process exits at once and the tasks left
 * running are taken up again by the next start (SQLite: at once; PostgreSQL: when their lease runs out).
 */
function stopOnSignals(rt: Runtime, close: () => Promise<void>): void {
  const timeoutMs = rt.config.shutdownTimeoutMs;
  let since = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (since) {
      rt.log.warn({ signal }, 'second signal: exiting now; unfinished tasks are taken up again at the next start');
      exitAfterLogs(EXIT_INTERRUPTED);
    }
    since = performance.now();
    rt.log.info({ signal, timeoutMs }, 'shutting down: no new connections; letting requests and task steps finish');
    const timer = setTimeout(() => {
      rt.log.warn(
        { timeoutMs },
        'shutdown timed out (NUBE_SHUTDOWN_TIMEOUT_MS): exiting; unfinished tasks are taken up again at the next start',
      );
      exitAfterLogs(EXIT_TIMED_OUT);
    }, timeoutMs);
    close().then(
      () => {
        clearTimeout(timer);
        rt.log.info({ ms: Math.round(performance.now() - since) }, 'stopped');
        exitAfterLogs(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        rt.log.error({ err }, 'shutdown failed');
        exitAfterLogs(EXIT_TIMED_OUT);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
