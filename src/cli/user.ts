/** `nube user list|reset-password`: users of every account, through the core as an admin, as a table or --json. */
import type { Command } from 'commander';
import { systemContext } from '../lib/context.js';
import type { UserView } from '../core/accounts/users.js';
import { accountOf } from './account-ref.js';
import { printList, printRecord, type Column } from './output.js';
import { usingRuntime } from './with-runtime.js';

/** A user in the CLI's JSON: stable snake_case keys, never a secret. */
function userJson(u: UserView) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    account: u.accountName,
    account_id: u.accountId,
    active: u.active,
    owner: u.owner,
    super_admin: u.superAdmin,
    created_at: u.created,
  };
}

const COLUMNS: Column<UserView>[] = [
  { head: 'USERNAME', cell: (u) => u.username },
  { head: 'ACCOUNT', cell: (u) => u.accountName },
  { head: 'EMAIL', cell: (u) => u.email },
  { head: 'ACTIVE', cell: (u) => (u.active ? 'yes' : 'no') },
  { head: 'OWNER', cell: (u) => (u.owner ? 'yes' : 'no') },
  { head: 'ID', cell: (u) => u.id },
];

/** The operator's view: an admin caller that sees every account's users. */
const OPERATOR = systemContext('system', 'system', 'cli:user');

/** Adds `user list|reset-password` to the program. */
export function addUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('users of every account (run where the data dir or DATABASE_URL is)');
  user
    .command('list')
    .description('list users, by username')
    .option('--account <account>', 'only the users of this account (name or id)')
    .option('--json', 'print JSON instead of a table')
    .action((o: { account?: string; json?: boolean }) =>
      usingRuntime(async (rt) => {
        let users = await rt.core.users.list(OPERATOR);
        if (o.account !== undefined) {
          const a = await accountOf(rt.core.accounts, o.account);
          users = users.filter((u) => u.accountId === a.id);
        }
        printList(users, COLUMNS, !!o.json, userJson);
      }),
    );
  user
    .command('reset-password <username>')
    .description('give a user a new generated password, printed once (the old one stops working at once)')
    .option('--json', 'print JSON instead of a table')
    .action((username: string, o: { json?: boolean }) =>
      usingRuntime(async (rt) => {
        const found = await rt.core.users.get(OPERATOR, username);
        const ctx = systemContext(found.accountId, found.accountName, 'cli:user reset-password');
        const r = await rt.core.users.resetPassword(ctx, username);
        printRecord(
          { username: r.user.username, account: r.user.accountName, email: r.user.email, password: r.password },
          !!o.json,
        );
      }),
    );
}
