/** `nube admin ip-pool ...` and `nube admin billing ...`: static IP pool settings and account credit. */
import type { Command } from 'commander';
import { withRuntime } from './with-runtime.js';

/** Adds the ip-pool and billing subcommands to `nube admin`. */
export function addCloudsigmaAdminCommands(admin: Command): void {
  const pool = admin
    .command('ip-pool')
    .description('static (elastic) IP pools: the gateway, netmask and nameservers clients are told');
  pool
    .command('list')
    .description('list the pools of every zone')
    .action(() => withRuntime(async (rt) => [...(await rt.core.ipPools.all()).values()]));
  pool
    .command('set <zone>')
    .description('change a zone pool (zone id or name); unset options keep their value')
    .option('--gateway <ip>', 'the gateway clients are told')
    .option('--netmask <mask>', 'the netmask clients are told, e.g. 255.255.255.0')
    .option('--nameservers <ips>', 'comma- or space-separated')
    .action((zone: string, o: { gateway?: string; netmask?: string; nameservers?: string }) =>
      withRuntime((rt) =>
        rt.core.ipPools.set(zone, {
          gateway: o.gateway,
          netmask: o.netmask,
          nameservers: o.nameservers === undefined ? undefined : o.nameservers.split(/[\s,]+/).filter(Boolean),
        }),
      ),
    );
  const billing = admin.command('billing').description('account balances');
  billing
    .command('credit <account> <amount>')
    .description('add (or, negative, remove) money, e.g. 100 or 12.50')
    .option('--description <text>', 'shown in the transaction list', 'Credit')
    .action((acct: string, amount: string, o: { description: string }) =>
      withRuntime(async (rt) => {
        const b = await rt.core.billing.credit(acct, amount, o.description);
        return { account: acct, balance: b.balance / 1_000_000, currency: b.currency };
      }),
    );
}
