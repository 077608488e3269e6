/** `nube state save FILE` / `nube state load FILE`: the whole state (database rows and volume bytes) to and from one tar file. */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { withRuntime } from './with-runtime.js';

/** Adds the state commands to the program. */
export function addStateCommands(program: Command): void {
  const state = program
    .command('state')
    .description('save the whole state to a file, or replace it with a saved one (works while nube serve runs)');
  state
    .command('save <file>')
    .description('write the state (every table, volume, snapshot and backup bytes; secrets stay sealed) to a tar file')
    .action((file: string) =>
      withRuntime(async (rt) => {
        const tmp = `${file}.${process.pid}.tmp`;
        try {
          await pipeline(await rt.core.state.save(), createWriteStream(tmp, { mode: 0o600 }));
          await rename(tmp, file);
        } catch (err) {
          await rm(tmp, { force: true });
          throw err;
        }
        return { saved: file, bytes: (await stat(file)).size };
      }),
    );
  state
    .command('load <file>')
    .description(
      'replace the whole state with a saved one; refused (exit code 2) when its schema, checksums or master key do not fit',
    )
    .action((file: string) =>
      withRuntime(async (rt) => {
        await (await open(file, 'r')).close();
        return { loaded: await rt.core.state.load(createReadStream(file)) };
      }),
    );
}
