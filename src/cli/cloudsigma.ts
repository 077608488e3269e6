/** `nube cloudsigma ...`: a CloudSigma 1.0 client (drives, servers, chunked gzip drive upload/download) over undici. */
import type { Command } from 'commander';
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import cliProgress from 'cli-progress';

/** Size of one drive read or write. */
const CHUNK = 4 * 1024 * 1024;

interface Creds {
  url: string;
  user: string;
  password: string;
}
interface GlobalOpts {
  url?: string;
  user?: string;
  password?: string;
}

/** Credentials from options, then CLOUDSIGMA_URL/USER/PASSWORD, then ./.nube/credentials.json's cloudsigma block. */
function credentials(o: GlobalOpts): Creds {
  let file: Partial<Creds> = {};
  const path = join(process.cwd(), '.nube', 'credentials.json');
  if (existsSync(path))
    file = (JSON.parse(readFileSync(path, 'utf8')) as { cloudsigma?: Partial<Creds> }).cloudsigma ?? {};
  const url = o.url ?? process.env.CLOUDSIGMA_URL ?? file.url;
  const user = o.user ?? process.env.CLOUDSIGMA_USER ?? file.user;
  const password = o.password ?? process.env.CLOUDSIGMA_PASSWORD ?? file.password;
  if (!url || !user || password === undefined)
    throw new Error(
      'No CloudSigma credentials: give --url/--user/--password, CLOUDSIGMA_* or ./.nube/credentials.json',
    );
  return { url: url.replace(/\/$/, ''), user, password };
}

/** One API call; non-2xx answers become an error carrying the server's text. */
async function call(
  c: Creds,
  method: 'GET' | 'POST',
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Buffer> {
  // Loaded here, not at import: `nube serve` imports this file through the CLI and never calls it.
  const { request } = await import('undici');
  const res = await request(`${c.url}${path}`, {
    method,
    body,
    headers: {
      authorization: `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`,
      'content-type': 'text/plain',
      ...headers,
    },
  });
  const buf = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode >= 300)
    throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${buf.toString('utf8').trim()}`);
  return res.headers['content-encoding'] === 'gzip' ? gunzipSync(buf) : buf;
}

function bar(total: number): cliProgress.SingleBar {
  const b = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{bar} {percentage}% {value}/{total} bytes' },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0);
  return b;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** A drive's size in bytes, from its info. */
async function driveSize(c: Creds, id: string): Promise<number> {
  const info = (await call(c, 'GET', `/drives/${id}/info`)).toString('utf8');
  const size = Number(/^size (\d+)$/m.exec(info)?.[1]);
  if (!Number.isSafeInteger(size)) throw new Error(`The info of drive ${id} has no size`);
  return size;
}

/** Uploads a file to a drive from offset in 4 MiB gzip-compressed writes; refused before the first byte when the file does not fit. */
async function uploadDrive(c: Creds, id: string, file: string, offset = 0): Promise<number> {
  const size = statSync(file).size;
  const room = await driveSize(c, id);
  if (offset + size > room) {
    throw new Error(
      `${file} (${size} bytes) does not fit on drive ${id} (${room} bytes) at offset ${offset}: nothing was written; ` +
        'clone the drive to a larger size first',
    );
  }
  const fd = openSync(file, 'r');
  const b = bar(size);
  try {
    const buf = Buffer.alloc(CHUNK);
    for (let off = 0; off < size; off += CHUNK) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - off), off);
      await call(c, 'POST', `/drives/${id}/write/${offset + off}`, gzipSync(buf.subarray(0, n), { level: 1 }), {
        'content-type': 'application/octet-stream',
        'content-encoding': 'gzip',
      });
      b.update(off + n);
    }
  } finally {
    b.stop();
    closeSync(fd);
  }
  return size;
}

/** A byte offset given on the command line: a whole number of bytes, 0 or more. */
function offsetOption(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
    throw new Error(`--offset must be a whole number of bytes, got ${JSON.stringify(text)}`);
  return n;
}

/** Downloads a whole drive to a file in 4 MiB reads (gzip answers are accepted). */
async function downloadDrive(c: Creds, id: string, file: string): Promise<number> {
  const size = await driveSize(c, id);
  const fd = openSync(file, 'w');
  const b = bar(size);
  try {
    ftruncateSync(fd, 0);
    for (let off = 0; off < size; off += CHUNK) {
      const data = await call(c, 'GET', `/drives/${id}/read/${off}/${Math.min(CHUNK, size - off)}`, undefined, {
        'accept-encoding': 'gzip',
      });
      writeSync(fd, data, 0, data.length, off);
      b.update(off + data.length);
    }
  } finally {
    b.stop();
    closeSync(fd);
  }
  return size;
}

/** Adds `nube cloudsigma` with drives and servers subcommands. */
export function addCloudsigmaCommands(program: Command): void {
  const cs = program
    .command('cloudsigma')
    .description('CloudSigma 1.0 API client')
    .option('--url <url>')
    .option('--user <email>')
    .option('--password <password>');
  const creds = () => credentials(cs.opts<GlobalOpts>());
  const out = (b: Buffer | string) => {
    process.stdout.write(b);
  };
  const drives = cs.command('drives').description('drives');
  drives.command('list').action(async () => out(await call(creds(), 'GET', '/drives/list')));
  drives
    .command('create')
    .description('reads `key value` lines (name, size, ...) on stdin')
    .action(async () => out(await call(creds(), 'POST', '/drives/create', await readStdin())));
  drives.command('info <uuid>').action(async (id: string) => out(await call(creds(), 'GET', `/drives/${id}/info`)));
  drives
    .command('upload <uuid> <file>')
    .description('writes a file to a drive in 4 MB gzip chunks (refused up front when it does not fit)')
    .option('--offset <bytes>', 'where on the drive the file starts', '0')
    .action(async (id: string, file: string, o: { offset?: string }) => {
      await uploadDrive(creds(), id, file, offsetOption(o.offset));
    });
  drives
    .command('download <uuid> <file>')
    .description('reads a whole drive into a file in 4 MB chunks')
    .action(async (id: string, file: string) => {
      await downloadDrive(creds(), id, file);
    });
  const servers = cs.command('servers').description('servers');
  servers.command('list').action(async () => out(await call(creds(), 'GET', '/servers/list')));
  servers
    .command('info [uuid]')
    .action(async (id?: string) => out(await call(creds(), 'GET', id ? `/servers/${id}/info` : '/servers/info')));
  servers
    .command('create')
    .description('reads `key value` lines on stdin')
    .action(async () => out(await call(creds(), 'POST', '/servers/create', await readStdin())));
}
