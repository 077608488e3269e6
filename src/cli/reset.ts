/** `nube reset`: back to a fresh catalog on the store `nube serve` uses (while it runs, too), keeping or re-issuing the admin's credentials. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withRuntime } from './with-runtime.js';
import { credentialsJson, writeCredentialsFile } from './credentials.js';

/** Adds the reset command to the program. */
export function addResetCommand(program: Command): void {
  program
    .command('reset')
    .description(
      'delete every account but admin with all it owns (VMs, volumes and their bytes, snapshots, networks, IPs, keys, tasks, billing) and seed the catalog again; running tasks are cancelled first',
    )
    .option('--credentials', 'issue the admin new credentials and rewrite credentials.json (otherwise they are kept)')
    .action((o: { credentials?: boolean }) =>
      withRuntime(async (rt) => {
        const r = await rt.core.state.reset({ credentials: o.credentials === true });
        const file = join(rt.config.dataDir, 'credentials.json');
        if (r.admin) writeCredentialsFile(file, keepUrls(file, credentialsJson(rt.config, r.admin)));
        return {
          reset: true,
          took_ms: r.ms,
          cancelled_tasks: r.cancelledTasks,
          admin: r.admin ? 'issued' : r.adminKept ? 'kept' : 'absent',
          ...(r.admin ? { credentials_file: file } : {}),
        };
      }),
    );
}

/** The new credentials with the URLs the existing file gives (those of the running server, whose listen address this process may not know). */
function keepUrls(file: string, json: Record<string, unknown>): Record<string, unknown> {
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return json;
  }
  for (const [dialect, section] of Object.entries(json)) {
    const before = old?.[dialect];
    if (!section || typeof section !== 'object' || !before || typeof before !== 'object') continue;
    for (const field of ['url', 'endpoint']) {
      const url = (before as Record<string, unknown>)[field];
      if (field in section && typeof url === 'string') (section as Record<string, unknown>)[field] = url;
    }
  }
  return json;
}
