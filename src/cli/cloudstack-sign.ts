/** `nube cloudstack sign`: prints a signed CloudStack API URL for curl users, signed by the code the dialect verifies with. */
import type { Command } from 'commander';
import { signParams } from '../lib/query-signature.js';
import { resolveCredentials } from './client-credentials.js';
import { CliError, EXIT } from './exit.js';

/** The options of `cloudstack sign`. */
interface SignOptions {
  endpoint?: string;
  key?: string;
  secret?: string;
  expires?: string;
}

/** The query's pairs, with apiKey set (replacing one given) and, with --expires, signature version 3 and its expiry. */
function pairsOf(query: string, key: string, expiresSec: number | undefined, now: Date): Array<[string, string]> {
  const pairs = [...new URLSearchParams(query.replace(/^\?/, ''))].filter(
    ([k]) => !['apikey', 'signature', 'signatureversion', 'expires'].includes(k.toLowerCase()),
  );
  if (!pairs.some(([k]) => k === 'command')) throw new CliError('The query has no command=... parameter', EXIT.usage);
  pairs.push(['apiKey', key]);
  if (expiresSec !== undefined) {
    const at = new Date(now.getTime() + expiresSec * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000');
    pairs.push(['signatureVersion', '3'], ['expires', at]);
  }
  return pairs;
}

/** Adds `cloudstack sign` to the program. */
export function addCloudstackCommands(program: Command): void {
  const cs = program.command('cloudstack').description('CloudStack API helpers');
  cs.command('sign <query>')
    .description("print the signed URL of a query such as 'command=listZones&response=json'")
    .option('--endpoint <url>', 'API endpoint (env CLOUDSTACK_ENDPOINT, else ./.nube/credentials.json)')
    .option('--key <key>', 'API key (env CLOUDSTACK_KEY, else ./.nube/credentials.json)')
    .option('--secret <secret>', 'secret key (env CLOUDSTACK_SECRET, else ./.nube/credentials.json)')
    .option('--expires <seconds>', 'make the URL expire this many seconds from now (signature version 3)')
    .action((query: string, o: SignOptions) => {
      const c = resolveCredentials(
        'cloudstack',
        {
          endpoint: { option: o.endpoint, env: 'CLOUDSTACK_ENDPOINT', field: 'endpoint' },
          key: { option: o.key, env: 'CLOUDSTACK_KEY', field: 'key' },
          secret: { option: o.secret, env: 'CLOUDSTACK_SECRET', field: 'secret' },
        },
        '--endpoint/--key/--secret, CLOUDSTACK_ENDPOINT/KEY/SECRET or ./.nube/credentials.json',
      );
      if (o.expires !== undefined && !/^\d{1,9}$/.test(o.expires))
        throw new CliError(`--expires must be a whole number of seconds, got "${o.expires}"`, EXIT.usage);
      const pairs = pairsOf(query, c.key, o.expires === undefined ? undefined : Number(o.expires), new Date());
      const signed = new URLSearchParams([...pairs, ['signature', signParams(pairs, c.secret)]]);
      process.stdout.write(`${c.endpoint.replace(/\/$/, '')}?${signed.toString().replace(/\+/g, '%20')}\n`);
    });
}
