/** `nube vm start|stop|destroy`: queue the VM's task through the core and wait for a running `nube serve` to carry it out. */
import type { Command } from 'commander';
import type { Runtime } from '../runtime.js';
import type { CallContext } from '../lib/context.js';
import type { TaskReceipt } from '../core/receipt.js';
import { CliError, EXIT } from './exit.js';
import { printRecord } from './output.js';
import { findVm } from './vm-find.js';
import { usingRuntime } from './with-runtime.js';

/** The options every action takes. */
interface ActionOptions {
  account?: string;
  wait: boolean;
  timeout: string;
  json?: boolean;
  force?: boolean;
}

/** The wait in milliseconds from --timeout (whole seconds). */
function timeoutMs(text: string): number {
  if (!/^\d{1,6}$/.test(text))
    throw new CliError(`--timeout must be a whole number of seconds, got "${text}"`, EXIT.usage);
  return Number(text) * 1000;
}

/** Runs one action: finds the VM, queues its task and (unless --no-wait) waits for the task to end. */
async function act(
  rt: Runtime,
  verb: string,
  ref: string,
  o: ActionOptions,
  run: (ctx: CallContext, id: string) => Promise<TaskReceipt>,
): Promise<void> {
  const ms = timeoutMs(o.timeout);
  const { vm, ctx } = await findVm(rt.core, ref, `cli:vm ${verb}`, o.account);
  const receipt = await run(ctx, vm.id);
  const out = { id: vm.id, name: vm.name, account: vm.accountName, action: verb, task_id: receipt.taskId };
  if (!o.wait) return printRecord({ ...out, status: 'queued' }, !!o.json);
  const r = await rt.core.jobs.outcome(ctx, receipt.taskId, ms);
  if (r.outcome === 'failed') throw r.error;
  if (r.outcome === 'timeout')
    throw new CliError(
      `task ${receipt.taskId} (${verb} ${vm.name}) did not finish within ${o.timeout}s; ` +
        'it runs when a `nube serve` on this store picks it up',
      EXIT.failed,
    );
  const state = verb === 'destroy' ? 'destroyed' : (await rt.core.vms.get(ctx, vm.id)).state;
  printRecord({ ...out, status: 'done', state }, !!o.json);
}

/** Adds one action subcommand with the shared options. */
function action(vm: Command, verb: string, description: string): Command {
  return vm
    .command(`${verb} <vm>`)
    .description(description)
    .option('--account <account>', 'look the VM up in this account only (name or id)')
    .option('--no-wait', 'print the queued task and return at once')
    .option('--timeout <seconds>', 'how long to wait for the task', '120')
    .option('--json', 'print JSON instead of a table');
}

/** Adds `vm start|stop|destroy`. */
export function addVmActionCommands(vm: Command): void {
  action(vm, 'start', 'start a stopped VM (by id or name)').action((ref: string, o: ActionOptions) =>
    usingRuntime((rt) => act(rt, 'start', ref, o, (ctx, id) => rt.core.vms.start(ctx, id))),
  );
  action(vm, 'stop', 'stop a running VM (by id or name): a clean shutdown unless --force')
    .option('--force', 'power it off at once')
    .action((ref: string, o: ActionOptions) =>
      usingRuntime((rt) => act(rt, 'stop', ref, o, (ctx, id) => rt.core.vms.stop(ctx, id, !!o.force))),
    );
  action(vm, 'destroy', 'destroy a VM (by id or name) and its root volume; data volumes are detached').action(
    (ref: string, o: ActionOptions) =>
      usingRuntime((rt) => act(rt, 'destroy', ref, o, (ctx, id) => rt.core.vms.destroy(ctx, id))),
  );
}
