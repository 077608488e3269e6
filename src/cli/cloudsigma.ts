/** `nube cloudsigma ...`: a CloudSigma 1.0 client over HTTP (drives, servers, drive upload and download). */
import type { Command } from 'commander';
import { CliError, EXIT } from './exit.js';
import { sigmaCall, sigmaCredentials, type SigmaOptions } from './cloudsigma-http.js';
import { downloadDrive, uploadDrive, type RetryOptions } from './cloudsigma-transfer.js';
import { parseList, parseRecord, parseRecords } from '../lib/sigma-text.js';

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** A whole number of bytes (or of anything else) given on the command line. */
function whole(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
    throw new CliError(`--${name} must be a whole number, got ${JSON.stringify(text)}`, EXIT.usage);
  return n;
}

/** The retry options every transfer takes. */
interface RetryFlags {
  retries: string;
  retryDelay: string;
}

/** Adds --retries and --retry-delay to a transfer command. */
function retryable(cmd: Command): Command {
  return cmd
    .option('--retries <n>', 'retries of each failed chunk (server errors, 429, lost connections)', '3')
    .option('--retry-delay <ms>', 'pause before the first retry, doubled for each next one (at most 8 s)', '500');
}

function retryOptions(o: RetryFlags): RetryOptions {
  return { retries: whole('retries', o.retries), backoffMs: whole('retry-delay', o.retryDelay) };
}

/** Adds `nube cloudsigma` with drives and servers subcommands. */
export function addCloudsigmaCommands(program: Command): void {
  const cs = program
    .command('cloudsigma')
    .description('CloudSigma 1.0 API client (talks HTTP to a running server)')
    .option('--url <url>', 'API URL (env CLOUDSIGMA_URL, else ./.nube/credentials.json)')
    .option('--user <email>', 'user e-mail (env CLOUDSIGMA_USER, else ./.nube/credentials.json)')
    .option('--password <password>', 'password (env CLOUDSIGMA_PASSWORD, else ./.nube/credentials.json)');
  const creds = () => sigmaCredentials(cs.opts<SigmaOptions>());
  const out = (b: Buffer | string) => {
    process.stdout.write(b);
  };
  /** The server's `key value` text as is, or with --json as JSON (a list of UUIDs, a record, or a list of records). */
  const shown = (b: Buffer | string, json: boolean | undefined, as: 'list' | 'record' | 'records') => {
    if (!json) return out(b);
    const text = b.toString();
    const value = as === 'list' ? parseList(text) : as === 'record' ? parseRecord(text) : parseRecords(text);
    out(`${JSON.stringify(value, null, 2)}\n`);
  };
  const JSON_FLAG = ['--json', "print JSON instead of the API's `key value` text"] as const;
  const drives = cs.command('drives').description('drives');
  drives
    .command('list')
    .description('list drive UUIDs')
    .option(...JSON_FLAG)
    .action(async (o: { json?: boolean }) => shown(await sigmaCall(creds(), 'GET', '/drives/list'), o.json, 'list'));
  drives
    .command('create')
    .description('create a drive from `key value` lines (name, size, ...) on stdin')
    .action(async () => out(await sigmaCall(creds(), 'POST', '/drives/create', await readStdin())));
  drives
    .command('info <uuid>')
    .description("print a drive's settings")
    .option(...JSON_FLAG)
    .action(async (id: string, o: { json?: boolean }) =>
      shown(await sigmaCall(creds(), 'GET', `/drives/${id}/info`), o.json, 'record'),
    );
  drives
    .command('destroy <uuid>')
    .description('destroy a drive (refused while it is mounted on a server)')
    .action(async (id: string) => out(await sigmaCall(creds(), 'POST', `/drives/${id}/destroy`)));
  retryable(
    drives
      .command('upload <uuid> <file>')
      .description('write a file to a drive in 4 MiB chunks, gzip unless --raw (refused up front when it does not fit)')
      .option('--offset <bytes>', 'where on the drive the file starts', '0')
      .option('--from <bytes>', 'resume: start with this byte of the file (a failed upload says which)', '0')
      .option('--resume', 'resume: skip the leading chunks the drive already holds (compared by reading them back)')
      .option('--raw', 'send chunks uncompressed (for data that does not compress)'),
  ).action(
    async (
      id: string,
      file: string,
      o: RetryFlags & { offset: string; from: string; resume?: boolean; raw?: boolean },
    ) => {
      const sent = await uploadDrive(creds(), id, file, {
        ...retryOptions(o),
        offset: whole('offset', o.offset),
        from: whole('from', o.from),
        resume: !!o.resume,
        raw: !!o.raw,
      });
      process.stderr.write(`nube: wrote ${sent} bytes of ${file} to drive ${id}\n`);
    },
  );
  retryable(
    drives
      .command('download <uuid> <file>')
      .description('read a drive (or --length bytes of it) into a file of exactly that length, in 4 MiB chunks')
      .option('--offset <bytes>', 'where on the drive to start', '0')
      .option('--length <bytes>', 'how many bytes to read (default: to the end of the drive)'),
  ).action(async (id: string, file: string, o: RetryFlags & { offset: string; length?: string }) => {
    const n = await downloadDrive(creds(), id, file, {
      ...retryOptions(o),
      offset: whole('offset', o.offset),
      length: o.length === undefined ? undefined : whole('length', o.length),
    });
    process.stderr.write(`nube: read ${n} bytes of drive ${id} into ${file}\n`);
  });
  const servers = cs.command('servers').description('servers');
  servers
    .command('list')
    .description('list server UUIDs')
    .option(...JSON_FLAG)
    .action(async (o: { json?: boolean }) => shown(await sigmaCall(creds(), 'GET', '/servers/list'), o.json, 'list'));
  servers
    .command('info [uuid]')
    .description("print one server's settings, or every server's")
    .option(...JSON_FLAG)
    .action(async (id: string | undefined, o: { json?: boolean }) =>
      shown(
        await sigmaCall(creds(), 'GET', id ? `/servers/${id}/info` : '/servers/info'),
        o.json,
        id ? 'record' : 'records',
      ),
    );
  servers
    .command('create')
    .description('create a server from `key value` lines on stdin')
    .action(async () => out(await sigmaCall(creds(), 'POST', '/servers/create', await readStdin())));
  for (const [verb, what] of [
    ['start', 'start a server (waits until it runs)'],
    ['stop', 'power a server off (waits until it stopped)'],
    ['shutdown', 'shut a server down cleanly (waits until it stopped)'],
    ['destroy', 'destroy a server'],
  ] as const)
    servers
      .command(`${verb} <uuid>`)
      .description(what)
      .action(async (id: string) => out(await sigmaCall(creds(), 'POST', `/servers/${id}/${verb}`)));
}
