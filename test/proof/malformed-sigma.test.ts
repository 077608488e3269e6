/** Malformed-input proof for the CloudSigma dialect: broken, hostile or random requests to every route all get a CloudSigma answer from a
 * real `nube serve`, with nothing logged as an error and memory given back. */
import { before, after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  FuzzServer,
  Gen,
  SEED,
  refusedByNode,
  runFuzz,
  universal,
  type FuzzAnswer,
  type FuzzCase,
} from './fuzz-kit.js';
import { basicAuth } from './raw-http.js';

const CASES = Number(process.env.NUBE_PROOF_CASES ?? 1500);
const MiB = 1024 * 1024;

/** Every command's path, `:x` standing for an id of that kind. */
const ROUTES = [
  '/drives/list',
  '/drives/info',
  '/drives/:drive/info',
  '/drives/create',
  '/drives/:drive/set',
  '/drives/:drive/clone',
  '/drives/:drive/destroy',
  '/drives/:drive/write',
  '/drives/:drive/write/:offset',
  '/drives/:drive/read/:offset/:size',
  '/drives/standard/list',
  '/drives/standard/info',
  '/drives/standard/cd/list',
  '/drives/standard/img/info',
  '/servers/list',
  '/servers/info',
  '/servers/:server/info',
  '/servers/create',
  '/servers/:server/set',
  '/servers/:server/clone',
  '/servers/:server/start',
  '/servers/:server/stop',
  '/servers/:server/shutdown',
  '/servers/:server/reset',
  '/servers/:server/destroy',
  '/servers/start',
  '/servers/stop',
  '/guests/:server/info',
  '/guest/start',
  '/resources/vlan/list',
  '/resources/vlan/info',
  '/resources/vlan/:vlan/info',
  '/resources/vlan/create',
  '/resources/vlan/:vlan/set',
  '/resources/vlan/:vlan/destroy',
  '/resources/ip/list',
  '/resources/ip/info',
  '/resources/ip/:ip/info',
  '/resources/ip/create',
  '/resources/ip/:ip/destroy',
  '/servergroups/list',
  '/servergroups/info',
  '/servergroups/create',
  '/servergroups/:group/info',
  '/servergroups/:group/set',
  '/servergroups/:group/add',
  '/servergroups/:group/remove',
  '/servergroups/:group/start',
  '/servergroupss/:group/stop',
  '/servergroups/:group/destroy',
  '/profile/info',
  '/profile/set',
  '/balance/info',
  '/currencies/list',
  '/usage/info',
  '/pricing/info',
  '/transactions/list',
  '/subscriptions/list',
  '/subscriptions/resources/info',
  '/subscriptions/net/info',
  '/subscriptions/vlan/create',
  '/subscriptions/ip/calculate',
  '/subscriptions/:sub/set',
  '/subscriptions/:sub/set/calculate',
  '/drives/no/such/command',
  '/billing/anything',
  '/servers/:server/action',
];
/** Keys the commands read, so random bodies reach the decoders behind the parser. */
const KEYS = [
  'name',
  'size',
  'cpu',
  'mem',
  'smp',
  'media',
  'ide:0:0',
  'ide:0:1',
  'virtio:0:0',
  'nic:0:mac',
  'nic:0:model',
  'nic:0:dhcp',
  'nic:1:vlan',
  'vnc:password',
  'vnc:ip',
  'months',
  'amount',
  'period',
  'server:0',
  'server:1',
  'tags',
  'readers',
  'meta:note',
  'claim:type',
  'first_name',
  'last_name',
  'email',
  'ip',
  'boot',
  'persistent',
  'avoid',
];

type Auth = 'good' | 'wrong' | 'none' | 'malformed' | 'nul' | 'huge';

let server: FuzzServer;
const ids: Record<string, string[]> = {
  drive: [],
  server: [],
  vlan: [],
  ip: [],
  group: [],
  sub: [],
  offset: ['0', '1M', '4k', '512'],
  size: ['4k', '1M', '4M', '0'],
};

before(async () => {
  server = await FuzzServer.start();
  const post = async (url: string, body: string) =>
    (
      await server.send({
        method: 'POST',
        url,
        payload: body,
        headers: { authorization: good(), 'content-type': 'application/json' },
      })
    ).body;
  for (const n of [1, 2, 3])
    ids.drive!.push(/^drive (\S+)$/m.exec(await post('/drives/create', `name fuzz-${n}\nsize 8M\n`))![1]!);
  ids.server!.push(
    /^server (\S+)$/m.exec(
      await post('/servers/create', `name fuzz\ncpu 1000\nmem 512\nide:0:0 ${ids.drive![0]}\n`),
    )![1]!,
  );
  ids.group!.push(/^(?:uuid|id|group) (\S+)$/m.exec(await post('/servergroups/create', 'name fuzz\n'))?.[1] ?? 'none');
});
after(async () => {
  await server?.close();
});

const good = () => basicAuth(server.creds.cloudsigma.user, server.creds.cloudsigma.password);

function authHeader(g: Gen, auth: Auth): string | undefined {
  switch (auth) {
    case 'good':
      return good();
    case 'wrong':
      return basicAuth(server.creds.cloudsigma.user, g.pick(['', 'guess', g.garbage().slice(0, 100)]));
    case 'none':
      return undefined;
    case 'malformed':
      return g.pick([
        'Basic',
        'Basic !!!',
        'Bearer x',
        `Basic ${Buffer.from('no-colon').toString('base64')}`,
        'basic    ',
        `Basic ${'A'.repeat(5000)}`,
      ]);
    case 'nul':
      return `Basic ${Buffer.from(`${server.creds.cloudsigma.user}\u0000:${server.creds.cloudsigma.password}`).toString('base64')}`;
    default:
      return basicAuth('x'.repeat(3000), 'y');
  }
}

function body(g: Gen): Buffer | string | undefined {
  switch (g.int(10)) {
    case 0:
      return undefined;
    case 1:
      return Buffer.from(Array.from({ length: 1 + g.int(4096) }, () => g.int(256)));
    case 2:
      return `${g.pick(KEYS)}${' '.repeat(MiB / 2)}${g.pick([' ', 'x', '\t'])}`;
    case 3:
      return Array.from({ length: 2100 }, (_, i) => `k${i} v`).join('\n');
    case 4:
      return `name ${'n'.repeat(MiB + 10)}`;
    case 5:
      return gzipSync(Buffer.from(`name zipped\nsize 1M\n`)).subarray(0, g.chance(0.5) ? undefined : 12);
    default: {
      const lines: string[] = [];
      for (let i = 0, n = 1 + g.int(6); i < n; i++) {
        const key = g.chance(0.85) ? g.pick(KEYS) : g.unicode(1 + g.int(8));
        const value = g.chance(0.4)
          ? g.garbage()
          : g.pick([
              ...ids.drive!,
              ...ids.server!,
              '1000',
              '512',
              '1G',
              '-5',
              '0',
              'true',
              'cdrom',
              '02:00:00:00:00:01',
              g.unicode(10),
            ]);
        lines.push(`${key}${g.pick([' ', '\t', '   ', ''])}${value.replace(/\n/g, g.chance(0.5) ? '\\n' : '\n')}`);
      }
      return lines.join(g.pick(['\n', '\r\n', '\r', '\n\n']));
    }
  }
}

function buildCase(g: Gen, n: number): FuzzCase {
  const route = g.pick(ROUTES);
  const path = route.replace(/:([a-z]+)/g, (_m, kind: string) => g.segment(ids[kind] ?? []));
  const auth = g.pick<Auth>(['good', 'good', 'good', 'good', 'wrong', 'none', 'malformed', 'nul', 'huge']);
  const method = g.chance(0.55) ? 'POST' : g.pick(['GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
  const payload = method === 'GET' || method === 'HEAD' ? undefined : body(g);
  const headers: Record<string, string> = {};
  const a = authHeader(g, auth);
  if (a) headers.authorization = a;
  if (payload !== undefined)
    headers['content-type'] = g.pick([
      'application/json',
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'x/y; z',
    ]);
  if (payload !== undefined && g.chance(0.1))
    headers['content-encoding'] = g.pick(['gzip', 'identity', 'br', 'x-gzip']);
  const desc = `#${n} ${method} ${route} auth=${auth}`;
  return { desc, method, url: `${path}${g.query()}`, payload, headers, judge: (ans) => judge(ans, auth, method) };
}

/** Why an answer is not an acceptable CloudSigma answer, or null. */
function judge(a: FuzzAnswer, auth: Auth, method: string): string | null {
  const bad = universal(a);
  if (bad) return bad;
  if (refusedByNode(a)) return null;
  if (method === 'HEAD') return a.status < 500 ? null : `status ${a.status}`;
  if (a.status >= 200 && a.status < 300) {
    if (auth !== 'good') return `status ${a.status} for a caller with ${auth} credentials`;
    if (a.status === 204) return a.body === '' ? null : 'a 204 with a body';
    return /^(text\/plain|application\/octet-stream)/.test(a.contentType) ? null : `success as "${a.contentType}"`;
  }
  if (!/^text\/plain/.test(a.contentType)) return `error ${a.status} as "${a.contentType}": ${a.body.slice(0, 200)}`;
  if (!/^errors:/m.test(a.body)) return `error ${a.status} without errors: lines: ${a.body.slice(0, 200)}`;
  if (auth !== 'good' && ![400, 401, 404, 405].includes(a.status))
    return `status ${a.status} for a caller with ${auth} credentials`;
  return null;
}

test(`${CASES} malformed requests all get CloudSigma answers (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const warm = new Gen(SEED + 1);
  const main = new Gen(SEED);
  await runFuzz(
    t,
    server,
    Array.from({ length: CASES }, (_, n) => buildCase(warm, n)),
    Array.from({ length: CASES }, (_, n) => buildCase(main, n)),
  );
  const list = await server.send({ method: 'GET', url: '/drives/list', headers: { authorization: good() } });
  if (list.status !== 200) throw new Error(`the server no longer lists drives: ${list.status} ${list.body}`);
});
