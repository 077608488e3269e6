/** The `nube` command line: serve, admin and clients. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { CoreError } from '../lib/errors.js';
import { serve } from './serve.js';
import { addAdminCommands } from './admin.js';
import { addCloudsigmaCommands } from './cloudsigma.js';
import { addVmCommands } from './vm.js';
import { addResetCommand } from './reset.js';
import { addStateCommands } from './state.js';

/** Parses argv and runs the chosen command; errors are printed as one line, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('nube').description('Nube: an open, self-hostable cloud control plane').exitOverride();
  program.command('serve').description('run the API server (all dialects)').action(serve);
  addAdminCommands(program);
  addCloudsigmaCommands(program);
  addVmCommands(program);
  addResetCommand(program);
  addStateCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const msg =
      err instanceof CoreError || err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`nube: ${msg}\n`);
    process.exit(err instanceof CoreError ? 2 : 1);
  }
}
