/** `nube vm ...`: operator views and actions on VMs of every account, straight against the store `nube serve` uses. */
import type { Command } from 'commander';
import { openExistingRuntime, usingRuntime } from './with-runtime.js';
import { printList, printRecord } from './output.js';
import { allVms, findVm } from './vm-find.js';
import { VM_COLUMNS, vmJson } from './vm-views.js';
import { addVmActionCommands } from './vm-actions.js';

/** Adds the vm subcommands to the program. */
export function addVmCommands(program: Command): void {
  const vm = program.command('vm').description('virtual machines (run where the data dir or DATABASE_URL is)');
  vm.command('list')
    .description('list the live VMs of every account')
    .option('--account <account>', 'only this account (name or id)')
    .option('--json', 'print JSON instead of a table')
    .action((o: { account?: string; json?: boolean }) =>
      usingRuntime(async (rt) =>
        printList(await allVms(rt.core, 'cli:vm list', o.account), VM_COLUMNS, !!o.json, vmJson),
      ),
    );
  vm.command('show <vm>')
    .description('show one VM (by id or name)')
    .option('--account <account>', 'look the VM up in this account only (name or id)')
    .option('--json', 'print JSON instead of a table')
    .action((ref: string, o: { account?: string; json?: boolean }) =>
      usingRuntime(async (rt) =>
        printRecord(vmJson((await findVm(rt.core, ref, 'cli:vm show', o.account)).vm), !!o.json),
      ),
    );
  addVmActionCommands(vm);
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
