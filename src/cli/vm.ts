/** `nube vm ...`: operator views of VMs, straight against the data dir / database (`nube vm console <id>`). */
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { createRuntime } from '../runtime.js';

/** Adds the vm subcommands to the program. */
export function addVmCommands(program: Command): void {
  const vm = program.command('vm').description('virtual machines (run where the data dir or DATABASE_URL is)');
  vm.command('console <vm>').description("print a VM's serial console (by id or name)").action(async (id: string) => {
    const rt = await createRuntime(loadConfig(), { startEngine: false, log: pino({ level: 'warn' }) });
    try {
      const c = await rt.core.vmConsole.read(id);
      process.stdout.write(c.console.endsWith('\n') || c.console === '' ? c.console : `${c.console}\n`);
    } finally {
      await rt.close();
    }
  });
}
