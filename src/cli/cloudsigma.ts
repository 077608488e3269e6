/** `nube cloudsigma ...`: a CloudSigma 1.0 client (drives, servers, chunked gzip drive upload/download) over undici. */
import type { Command } from 'commander';
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import cliProgress from 'cli-progress';

/** Size of one drive read or write. */
export const CHUNK = 4 * 1024 * 1024;

interface Creds { url: string; user: string; password: string }
interface GlobalOpts { url?: string; user?: string; password?: string }

/** Credentials from options, then CLOUDSIGMA_URL/USER/PASSWORD, then ./.nube/credentials.json's cloudsigma block. */
function credentials(o: GlobalOpts): Creds {
  let file: Partial<Creds> = {};
  const path = join(process.cwd(), '.nube', 'credentials.json');
  if (existsSync(path)) file = (JSON.parse(readFileSync(path, 'utf8')) as { cloudsigma?: Partial<Creds> }).cloudsigma ?? {};
  const url = o.url ?? process.env.CLOUDSIGMA_URL ?? file.url;
  const user = o.user ?? process.env.CLOUDSIGMA_USER ?? file.user;
  const password = o.password ?? process.env.CLOUDSIGMA_PASSWORD ?? file.password;
  if (!url || !user || password === undefined) throw new Error('No CloudSigma credentials: give --url/--user/--password, CLOUDSIGMA_* or ./.nube/credentials.json');
  return { url: url.replace(/\/$/, ''), user, password };
}

/** One API call; non-2xx answers become an error carrying the server's text. */
async function call(c: Creds, method: 'GET' | 'POST', path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Buffer> {
  const res = await request(`${c.url}${path}`, {
    method, body,
    headers: { authorization: `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`, 'content-type': 'text/plain', ...headers },
  });
  const buf = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${buf.toString('utf8').trim()}`);
  return res.headers['content-encoding'] === 'gzip' ? gunzipSync(buf) : buf;
}

function bar(total: number): cliProgress.SingleBar {
  const b = new cliProgress.SingleBar({ stream: process.stderr, format: '{bar} {percentage}% {value}/{total} bytes' }, cliProgress.Presets.shades_classic);
  b.start(total, 0);
  return b;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** Uploads a file to a drive in 4 MiB gzip-compressed writes. */
export async function uploadDrive(c: Creds, id: string, file: string): Promise<number> {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const b = bar(size);
  try {
    const buf = Buffer.alloc(CHUNK);
    for (let off = 0; off < size; off += CHUNK) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - off), off);
      await call(c, 'POST', `/drives/${id}/write/${off}`, gzipSync(buf.subarray(0, n), { level: 1 }),
        { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
      b.update(off + n);
    }
  } finally { b.stop(); closeSync(fd); }
  return size;
}

/** Downloads a whole drive to a file in 4 MiB reads (gzip answers are accepted). */
export async function downloadDrive(c: Creds, id: string, file: string): Promise<number> {
  const info = Object.fromEntries((await call(c, 'GET', `/drives/${id}/info`)).toString('utf8').split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
  const size = Number(info.size);
  const fd = openSync(file, 'w');
  const b = bar(size);
  try {
    ftruncateSync(fd, 0);
    for (let off = 0; off < size; off += CHUNK) {
      const data = await call(c, 'GET', `/drives/${id}/read/${off}/${Math.min(CHUNK, size - off)}`, undefined, { 'accept-encoding': 'gzip' });
      writeSync(fd, data, 0, data.length, off);
      b.update(off + data.length);
    }
  } finally { b.stop(); closeSync(fd); }
  return size;
}

/** Adds `nube cloudsigma` with drives and servers subcommands. */
export function addCloudsigmaCommands(program: Command): void {
  const cs = program.command('cloudsigma').description('CloudSigma 1.0 API client')
    .option('--url <url>').option('--user <email>').option('--password <password>');
  const creds = () => credentials(cs.opts<GlobalOpts>());
  const out = (b: Buffer | string) => { process.stdout.write(b); };
  const drives = cs.command('drives').description('drives');
  drives.command('list').action(async () => out(await call(creds(), 'GET', '/drives/list')));
  drives.command('create').description('reads `key value` lines (name, size, ...) on stdin').action(async () => out(await call(creds(), 'POST', '/drives/create', await readStdin())));
  drives.command('info <uuid>').action(async (id: string) => out(await call(creds(), 'GET', `/drives/${id}/info`)));
  drives.command('upload <uuid> <file>').description('writes a file to a drive in 4 MB gzip chunks')
    .action(async (id: string, file: string) => { await uploadDrive(creds(), id, file); });
  drives.command('download <uuid> <file>').description('reads a whole drive into a file in 4 MB chunks')
    .action(async (id: string, file: string) => { await downloadDrive(creds(), id, file); });
  const servers = cs.command('servers').description('servers');
  servers.command('list').action(async () => out(await call(creds(), 'GET', '/servers/list')));
  servers.command('info [uuid]').action(async (id?: string) => out(await call(creds(), 'GET', id ? `/servers/${id}/info` : '/servers/info')));
  servers.command('create').description('reads `key value` lines on stdin').action(async () => out(await call(creds(), 'POST', '/servers/create', await readStdin())));
}
