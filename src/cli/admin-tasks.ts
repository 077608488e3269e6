/** `nube admin tasks log`: the task log of one account or of every account, as JSON. */
import type { Command } from 'commander';
import { systemContext } from '../lib/context.js';
import type { TaskLogFilter } from '../core/tasks-log/service.js';
import { withRuntime } from './with-runtime.js';
import { accountOf } from './account-ref.js';

/** The options of `admin tasks log`. */
interface LogOptions {
  object?: string;
  type?: string;
  task?: string;
  action?: string;
  account?: string;
  since?: string;
  page?: string;
  pageSize?: string;
}

/** An optional whole-number option, or an error naming it. */
function wholeOpt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw)) throw new Error(`--${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** Adds `tasks log` under `admin`. */
export function addTaskCommands(admin: Command): void {
  const tasks = admin.command('tasks').description('tasks');
  tasks
    .command('log')
    .description('task log entries, oldest first (every account unless --account)')
    .option('--object <id>', 'entries of one object')
    .option('--type <type>', 'entries of one object type (virtual machine, volume, ...)')
    .option('--task <id>', 'entries of one task')
    .option('--action <action>', 'entries of one action (vm.create, vm.start, ...)')
    .option('--account <account>', 'account name or id')
    .option('--since <time>', 'entries at or after an ISO 8601 time')
    .option('--page <n>', 'page number, from 1')
    .option('--page-size <n>', 'entries per page')
    .action((o: LogOptions) =>
      withRuntime(async (rt) => {
        const f: TaskLogFilter = {
          objectId: o.object,
          objectType: o.type,
          taskId: o.task,
          action: o.action,
          allAccounts: true,
        };
        if (o.since !== undefined) {
          f.since = new Date(o.since);
          if (Number.isNaN(f.since.getTime())) throw new Error(`--since must be an ISO 8601 time, got "${o.since}"`);
        }
        if (o.account !== undefined) f.accountId = (await accountOf(rt.core.accounts, o.account)).id;
        const page = await rt.core.tasks.log(systemContext('system'), f, {
          page: wholeOpt('page', o.page),
          pageSize: wholeOpt('page-size', o.pageSize),
        });
        return { count: page.count, entries: page.items };
      }),
    );
}
