/** `nube admin ...`: accounts, users, key pairs, API tokens, hosts, sim faults, chaos and the task log, straight against the store. */
import type { Command } from 'commander';
import { credentialsJson } from './credentials.js';
import { accountJson } from './account.js';
import { addCvmAdminCommands } from './admin-cvm.js';
import { addCloudsigmaAdminCommands } from './admin-cloudsigma.js';
import { withRuntime } from './with-runtime.js';
import { addLimitCommands } from './admin-limits.js';
import { addTaskCommands } from './admin-tasks.js';
import { addTierCommand, addTokenCommands } from './admin-tokens.js';
import { addChaosCommands } from './admin-chaos.js';

/** Adds the admin subcommands to the program. */
export function addAdminCommands(program: Command): void {
  const admin = program.command('admin').description('operator commands (run where the data dir or DATABASE_URL is)');
  const account = admin.command('account').description('accounts');
  account
    .command('create <name>')
    .description('create an account with a user and credentials; prints its credentials JSON')
    .option('--email <email>', "the owner user's e-mail (default: NAME@nube.local)")
    .option('--password <password>', "the owner user's password (default: generated)")
    .option('--admin', 'make it an admin account')
    .action((name: string, o: { email?: string; password?: string; admin?: boolean }) =>
      withRuntime(async (rt) => credentialsJson(rt.config, await rt.core.accounts.createAccount(name, o))),
    );
  account
    .command('list')
    .description('list accounts')
    .action(() => withRuntime(async (rt) => (await rt.core.accounts.listAccounts()).map(accountJson)));
  addLimitCommands(account);
  addTierCommand(account);
  const user = admin.command('user').description('users');
  user
    .command('create <account> <username>')
    .description('add a user to an account; prints its password once')
    .option('--email <email>', "the user's e-mail (default: USERNAME@nube.local)")
    .option('--password <password>', "the user's password (default: generated)")
    .action((acct: string, username: string, o: { email?: string; password?: string }) =>
      withRuntime(async (rt) => {
        const r = await rt.core.accounts.createUser(acct, username, o);
        return { id: r.user.id, username: r.user.username, email: r.user.email, password: r.password };
      }),
    );
  const keys = admin.command('keys').description('CloudStack API key pairs');
  keys
    .command('create <account>')
    .description('create a key pair; the secret is printed once')
    .option('--user <username>', 'the user the pair belongs to (default: the account owner)')
    .option('--name <name>', 'a name to tell the pair apart by')
    .action((acct: string, o: { user?: string; name?: string }) =>
      withRuntime(
        async (rt) =>
          (await rt.core.credentials.issueTo('api-key-pair', acct, { username: o.user, name: o.name })).shown,
      ),
    );
  keys
    .command('list <account>')
    .description('list key pairs (never their secrets)')
    .action((acct: string) => withRuntime((rt) => rt.core.credentials.list('api-key-pair', acct)));
  keys
    .command('revoke <key>')
    .description('revoke a key pair by API key or id')
    .allowUnknownOption()
    .action((key: string) =>
      withRuntime(async (rt) => {
        await rt.core.credentials.issuers['api-key-pair'].revoke(key);
        return { revoked: key };
      }),
    );
  const host = admin.command('host').description('hosts');
  host
    .command('list')
    .description('list hosts')
    .action(() => withRuntime((rt) => rt.core.hosts.list()));
  host
    .command('set-state <host> <state>')
    .description('mark a host up or down')
    .action((h: string, s: string) =>
      withRuntime(async (rt) => {
        if (s !== 'up' && s !== 'down') throw new Error('state must be up or down');
        return rt.core.hosts.setState(h, s);
      }),
    );
  const fault = admin.command('sim').description('sim driver').command('fault').description('fault injection');
  fault
    .command('add <kind>')
    .description('host_unreachable | fail_next_start | latency')
    .option('--host <host>', 'host id or name')
    .option('--vm <vm>', 'VM id or name')
    .option('--value <ms>', 'latency in ms')
    .option('--count <n>', 'operations affected (-1 = until cleared)')
    .action((kind: string, o: { host?: string; vm?: string; value?: string; count?: string }) =>
      withRuntime((rt) =>
        rt.core.hosts.addFault({
          kind: kind as never,
          hostId: o.host,
          vmId: o.vm,
          value: o.value ? Number(o.value) : undefined,
          count: o.count ? Number(o.count) : undefined,
        }),
      ),
    );
  fault
    .command('list')
    .description('list the faults in force')
    .action(() => withRuntime((rt) => rt.core.hosts.listFaults()));
  fault
    .command('clear [id]')
    .description('clear one fault by id, or all of them')
    .action((id?: string) => withRuntime(async (rt) => ({ removed: await rt.core.hosts.clearFaults(id) })));
  addCvmAdminCommands(admin);
  addCloudsigmaAdminCommands(admin);
  addTaskCommands(admin);
  addTokenCommands(admin);
  addChaosCommands(admin);
}
