/** The `nube` command line: serve, operator commands and API clients. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { packagePath } from '../lib/package-root.js';
import { serve } from './serve.js';
import { addAdminCommands } from './admin.js';
import { addCloudsigmaCommands } from './cloudsigma.js';
import { addVmCommands } from './vm.js';
import { addAccountCommands } from './account.js';
import { addUserCommands } from './user.js';
import { addCloudstackCommands } from './cloudstack-sign.js';
import { addCompletionCommand } from './completion.js';
import { exitCodeOf } from './exit.js';
import { addResetCommand } from './reset.js';
import { addStateCommands } from './state.js';
import { exitAfterLogs } from '../lib/log-stream.js';

/** The package's version, from the package's own package.json (wherever this module was built to). */
function version(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The whole command tree, built without running anything (completion and tests walk it). */
export function buildProgram(): Command {
  const program = new Command('nube')
    .description('Nube: an open, self-hostable cloud control plane')
    .version(version(), '-V, --version', 'print the version of nube')
    .helpOption('-h, --help', 'show help for a command')
    .exitOverride();
  program.command('serve').description('run the API server (all dialects)').action(serve);
  addVmCommands(program);
  addAccountCommands(program);
  addUserCommands(program);
  addAdminCommands(program);
  addCloudsigmaCommands(program);
  addResetCommand(program);
  addStateCommands(program);
  addCloudstackCommands(program);
  addCompletionCommand(program);
  return program;
}

/** Parses argv and runs the chosen command; errors are printed as one line, never a stack trace (exit codes: exit.ts). */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return exitAfterLogs(err.exitCode);
    process.stderr.write(`nube: ${err instanceof Error ? err.message : String(err)}\n`);
    exitAfterLogs(exitCodeOf(err));
  }
}
