/** `nube vm ...`: operator views of VMs, straight against the store `nube serve` uses (`nube vm console <id>`). */
import type { Command } from 'commander';
import { openExistingRuntime } from './with-runtime.js';

/** Adds the vm subcommands to the program. */
export function addVmCommands(program: Command): void {
  const vm = program.command('vm').description('virtual machines (run where the data dir or DATABASE_URL is)');
  vm.command('console <vm>')
    .description("print a VM's serial console (by id or name), read with the driver the store records")
    .action(async (id: string) => {
      const rt = await openExistingRuntime();
      try {
        const c = await rt.core.vmConsole.read(id);
        process.stdout.write(c.console.endsWith('\n') || c.console === '' ? c.console : `${c.console}\n`);
      } finally {
        await rt.close();
      }
    });
}
