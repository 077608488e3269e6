/** `nube account list|show|delete`: accounts as an operator sees them, through the core, as a table or --json. */
import type { Command } from 'commander';
import { systemContext } from '../lib/context.js';
import type { AccountRow } from '../store/schema.js';
import { accountOf } from './account-ref.js';
import { printList, printRecord, type Column } from './output.js';
import { usingRuntime } from './with-runtime.js';

/** An account in the CLI's JSON: stable snake_case keys (also `nube admin account list`'s). */
export function accountJson(a: AccountRow) {
  return {
    id: a.id,
    name: a.name,
    email: a.email,
    type: a.type,
    state: a.state,
    tier: a.tier ?? 'free',
    created_at: a.created_at,
  };
}

const COLUMNS: Column<AccountRow>[] = [
  { head: 'NAME', cell: (a) => a.name },
  { head: 'ID', cell: (a) => a.id },
  { head: 'EMAIL', cell: (a) => a.email },
  { head: 'TYPE', cell: (a) => a.type },
  { head: 'STATE', cell: (a) => a.state },
  { head: 'TIER', cell: (a) => a.tier ?? 'free' },
];

/** Adds `account list|show|delete` to the program. */
export function addAccountCommands(program: Command): void {
  const account = program
    .command('account')
    .description('accounts (run where the data dir or DATABASE_URL is; `nube admin account create` makes one)');
  account
    .command('list')
    .description('list every account')
    .option('--json', 'print JSON instead of a table')
    .action((o: { json?: boolean }) =>
      usingRuntime(async (rt) => printList(await rt.core.accounts.listAccounts(), COLUMNS, !!o.json, accountJson)),
    );
  account
    .command('show <account>')
    .description('show one account (by name or id) with its users and VM count')
    .option('--json', 'print JSON instead of a table')
    .action((ref: string, o: { json?: boolean }) =>
      usingRuntime(async (rt) => {
        const a = await accountOf(rt.core.accounts, ref);
        const users = await rt.core.accounts.listUsers(a.id);
        const vms = await rt.core.vms.list(systemContext(a.id, a.name, 'cli:account show'), { pageSize: 1 });
        printRecord({ ...accountJson(a), users: users.map((u) => u.username), vm_count: vms.count }, !!o.json);
      }),
    );
  account
    .command('delete <account>')
    .description('delete an account (by name or id) with its users and credentials; refused while it owns resources')
    .option('--json', 'print JSON instead of a line of text')
    .action((ref: string, o: { json?: boolean }) =>
      usingRuntime(async (rt) => {
        const a = await accountOf(rt.core.accounts, ref);
        const r = await rt.core.accounts.deleteAccount(systemContext(a.id, a.name, 'cli:account delete'), a.name);
        if (o.json) printRecord({ deleted: a.name, id: a.id, task_id: r.taskId }, true);
        else process.stdout.write(`Deleted account ${a.name} (${a.id}).\n`);
      }),
    );
}
