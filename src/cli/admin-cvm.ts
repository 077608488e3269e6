/** `nube admin cvm-tokens ...` and `nube admin vps ...`: CVM token pairs, operator holds and traffic limits. */
import type { Command } from 'commander';
import { withRuntime } from './with-runtime.js';

function serialArg(raw: string): number {
  if (!/^[0-9]{1,15}$/.test(raw)) throw new Error(`VPS ids are positive integers, got "${raw}"`);
  return Number(raw);
}

function bytesOpt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,16}$/.test(raw)) throw new Error(`--${name} must be a whole number of bytes, got "${raw}"`);
  return Number(raw);
}

/** Adds the CVM admin subcommands under `admin`. */
export function addCvmAdminCommands(admin: Command): void {
  const tokens = admin.command('cvm-tokens').description('CVM API token pairs');
  tokens
    .command('create <account>')
    .description('create a token pair; the private token is printed once')
    .option('--user <username>', 'the user the pair belongs to (default: the account owner)')
    .option('--name <name>', 'a name to tell the pair apart by')
    .option('--no-client-api', 'a pair the client API refuses (403)')
    .action((acct: string, o: { user?: string; name?: string; clientApi: boolean }) =>
      withRuntime(async (rt) => {
        const { account, shown: p } = await rt.core.credentials.issueTo('token-pair', acct, {
          username: o.user,
          name: o.name,
          clientApi: o.clientApi,
        });
        return {
          id: p.id,
          account: account.name,
          url: `${rt.config.publicUrl}/api/client`,
          public: p.public,
          private: p.private,
          client_api: p.clientApi,
        };
      }),
    );
  tokens
    .command('list <account>')
    .description('list token pairs (never their private tokens)')
    .action((acct: string) => withRuntime((rt) => rt.core.credentials.list('token-pair', acct)));
  tokens
    .command('revoke <token>')
    .description('revoke a pair by public token or id')
    .allowUnknownOption()
    .action((t: string) =>
      withRuntime(async (rt) => {
        await rt.core.credentials.issuers['token-pair'].revoke(t);
        return { revoked: t };
      }),
    );
  const vps = admin.command('vps').description('VPSes (VMs by their integer id)');
  vps
    .command('suspend <serial>')
    .description('power off and suspend; its owner cannot start it')
    .action((s: string) => withRuntime((rt) => rt.core.vmHold.suspend(serialArg(s))));
  vps
    .command('unsuspend <serial>')
    .description('return a suspended VPS to stopped')
    .action((s: string) => withRuntime((rt) => rt.core.vmHold.unsuspend(serialArg(s))));
  vps
    .command('terminate <serial>')
    .description('power off and terminate for good')
    .action((s: string) => withRuntime((rt) => rt.core.vmHold.terminate(serialArg(s))));
  vps
    .command('set-traffic <serial>')
    .description('traffic limits in bytes: --total N (combined) or --total 0 --in N --out N (split)')
    .option('--total <bytes>', 'combined limit of traffic in and out (0: split limits)')
    .option('--in <bytes>', 'limit of incoming traffic (with --total 0)')
    .option('--out <bytes>', 'limit of outgoing traffic (with --total 0)')
    .action((s: string, o: { total?: string; in?: string; out?: string }) =>
      withRuntime((rt) =>
        rt.core.traffic.setLimits(serialArg(s), {
          total: bytesOpt('total', o.total),
          in: bytesOpt('in', o.in),
          out: bytesOpt('out', o.out),
        }),
      ),
    );
}
