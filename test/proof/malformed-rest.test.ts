/** Malformed-input proof for the REST API (/api/v1, /api/user): broken, hostile or random calls all get a documented REST answer
 * ({message}, {message, errors}, {error, status} or the route's success shape) from a real `nube serve`, never a 5xx but the 503 of
 * metrics that are not available, with nothing logged as an error and memory given back. */
import { before, after, test } from 'node:test';
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

const CASES = Number(process.env.NUBE_PROOF_CASES ?? 3000);

/** Every call's path under /api, `:x` standing for an id of that kind. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/user'],
  ['GET', '/v1/user/teams'],
  ['GET', '/v1/ssh-keys'],
  ['POST', '/v1/ssh-keys'],
  ['GET', '/v1/ssh-keys/:key'],
  ['DELETE', '/v1/ssh-keys/:key'],
  ['GET', '/v1/vps'],
  ['POST', '/v1/vps'],
  ['GET', '/v1/vps/images'],
  ['GET', '/v1/vps/images/grouped'],
  ['GET', '/v1/vps/plans'],
  ['GET', '/v1/vps/:vps'],
  ['PUT', '/v1/vps/:vps'],
  ['DELETE', '/v1/vps/:vps'],
  ['POST', '/v1/vps/:vps/start'],
  ['POST', '/v1/vps/:vps/stop'],
  ['POST', '/v1/vps/:vps/reboot'],
  ['POST', '/v1/vps/:vps/reinstall'],
  ['GET', '/v1/vps/:vps/status'],
  ['GET', '/v1/vps/:vps/password'],
  ['GET', '/v1/vps/:vps/metrics'],
  ['GET', '/v1/vps/:vps/events'],
  ['GET', '/v1/vps/:vps/diagnose'],
  ['GET', '/v1/firewalls'],
  ['POST', '/v1/firewalls'],
  ['GET', '/v1/firewalls/:fw'],
  ['PUT', '/v1/firewalls/:fw'],
  ['DELETE', '/v1/firewalls/:fw'],
  ['POST', '/v1/firewalls/:fw/attach'],
  ['POST', '/v1/firewalls/:fw/detach'],
  ['POST', '/v1/firewalls/:fw/deploy'],
  ['GET', '/v1/snapshots/vps'],
  ['POST', '/v1/snapshots/vps'],
  ['DELETE', '/v1/snapshots/vps/:snap'],
  ['POST', '/v1/snapshots/vps/:snap/restore'],
  ['GET', '/v1/snapshots/database/:snap'],
  ['GET', '/v1/webhooks/config'],
  ['PUT', '/v1/webhooks/config'],
  ['POST', '/v1/webhooks/config/regenerate-secret'],
  ['GET', '/v1/webhooks/deliveries'],
  ['GET', '/v1/databases'],
  ['GET', '/v1/nothing/:vps'],
];

/** The statuses a REST answer may have (402: a quota's balance, as docs/dialects/rest.md maps it). */
const STATUSES = new Set([200, 201, 400, 401, 402, 403, 404, 405, 409, 413, 415, 422, 429, 503]);

/** Numbers a path id or a body field may be: the edges of 32 and 64 bits, negatives, fractions, exponents. */
const NUMBERS = [
  '0',
  '-1',
  '1',
  '2147483648',
  '9223372036854775807',
  '9223372036854775808',
  '1e3',
  '1.5',
  '0x10',
  '+1',
];

type Auth = 'token' | 'wrong' | 'none' | 'garbage' | 'huge' | 'scheme';

let server: FuzzServer;
const ids: Record<string, string[]> = { vps: [], key: [], fw: [], snap: [] };

/** An admin call during set-up, which must succeed. */
async function setup(method: string, path: string, body: unknown): Promise<any> {
  const a = await server.send({
    method,
    url: `/api/v1${path}`,
    headers: { authorization: `Bearer ${server.creds.rest.token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  if (a.status >= 300) throw new Error(`${method} ${path} answered ${a.status}: ${a.body}`);
  return JSON.parse(a.body);
}

before(async () => {
  server = await FuzzServer.start({ NUBE_RATE_LIMITS: 'off' });
  const key = await setup('POST', '/ssh-keys', {
    name: 'fuzz',
    public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrk1Y2c2P9FBY1y6XJxN8zY3cGkq4lJzbn0xk0DQ7qR fuzz@x',
  });
  ids.key!.push(String(key.key.id));
  for (const name of ['fuzz-a', 'fuzz-b']) {
    const made = await setup('POST', '/vps', {
      name,
      image: 'ubuntu-24.04',
      datacenter: 'fsn1',
      auth_method: 'ssh_key',
      ssh_key_id: key.key.id,
    });
    ids.vps!.push(made.instance.id);
  }
  ids.vps!.push(...(await server.deployVms(['fuzz-cs'])));
  ids.fw!.push(String((await setup('POST', '/firewalls', { name: 'fuzz-fw' })).firewall.id));
  for (let i = 0; i < 100; i++) {
    const s = await setup('GET', `/vps/${ids.vps![0]}/status`, undefined);
    if (s.status === 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  ids.snap!.push(
    String((await setup('POST', '/snapshots/vps', { vps_instance_id: ids.vps![0], name: 'fuzz' })).snapshot.id),
  );
});
after(async () => {
  await server?.close();
});

function authHeaders(auth: Auth, g: Gen): Record<string, string> {
  const token = server.creds.rest.token;
  switch (auth) {
    case 'token':
      return { authorization: `Bearer ${token}` };
    case 'wrong':
      return {
        authorization: `Bearer ${g.pick([`${token}x`, token.replace(/\|.*/, '|nope'), '1|', '|', '0|x', token.slice(1)])}`,
      };
    case 'none':
      return {};
    case 'garbage':
      return { authorization: `Bearer ${encodeURIComponent(g.garbage()).slice(0, 2000)}` };
    case 'scheme':
      return {
        authorization: g.pick([`Token ${token}`, `Basic ${token}`, token, 'Bearer', 'Bearer  ', `bearer ${token} x`]),
      };
    default:
      return { authorization: `Bearer ${'t'.repeat(8000)}` };
  }
}

/** JSON nested depth times, as an array or an object. */
function deep(g: Gen, depth: number): string {
  return g.chance(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A JSON body: the API's fields with hostile values, wrong shapes, deep or broken JSON, huge or foreign bytes. */
function body(g: Gen): { payload?: string | Buffer; type?: string } {
  const value = () =>
    g.pick<unknown>([
      g.garbage(),
      Number(g.pick(NUMBERS)),
      g.pick(NUMBERS),
      -1,
      2 ** 63,
      true,
      null,
      [],
      {},
      [g.garbage()],
      { a: [1] },
      'ubuntu-24.04',
      'fsn1',
      'password',
      'ssh_key',
      'vps',
      ids.vps![0],
    ]);
  switch (g.int(7)) {
    case 0:
      return {};
    case 1:
    case 2: {
      const fields = [
        'name',
        'image',
        'datacenter',
        'auth_method',
        'ssh_key_id',
        'password',
        'password_confirmation',
        'resource_profile',
        'cpu_allocation_type',
        'configuration',
        'custom_cloud_init',
        'public_key',
        'rules',
        'description',
        'instance_type',
        'instance_id',
        'vps_instance_id',
        'webhook_url',
        'webhook_enabled',
        'cpu_cores',
        '__proto__',
        'constructor',
      ];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 1 + g.int(6); i++) o[g.pick(fields)] = value();
      return { payload: JSON.stringify(o), type: g.pick(['application/json', 'application/json; charset=utf-8']) };
    }
    case 3:
      return {
        payload: g.pick(['{', '[1]', '"x"', '{"a":', 'null', '{"name":1e999}', '{"name":"a\\u0000b"}', '\uFEFF{}']),
        type: 'application/json',
      };
    case 4:
      return { payload: deep(g, g.pick([64, 1000, 20_000])), type: 'application/json' };
    case 5:
      return {
        payload: g.chance(0.3)
          ? `{"name":"${'x'.repeat(200 * 1024)}"}`
          : Buffer.from(Array.from({ length: 1 + g.int(2048) }, () => g.int(256))),
        type: g.pick([
          'application/octet-stream',
          'text/plain',
          'application/json',
          'application/x-www-form-urlencoded',
        ]),
      };
    default:
      return {
        payload: JSON.stringify({ name: g.garbage(), rules: [{ direction: g.garbage(), port: value() }] }),
        type: 'application/json',
      };
  }
}

/** A path id: a real one, a plausible one, garbage, or a number at an edge. */
function id(g: Gen, kind: string): string {
  return g.chance(0.3) ? g.pick(NUMBERS) : g.segment(ids[kind] ?? []);
}

function buildCase(g: Gen, n: number): FuzzCase {
  const [routeMethod, route] = g.pick(ROUTES);
  const method = g.chance(0.85) ? routeMethod : g.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
  const path = route.replace(/:([a-z]+)/g, (_m, kind: string) => id(g, kind));
  const auth = g.pick<Auth>([
    'token',
    'token',
    'token',
    'token',
    'token',
    'token',
    'wrong',
    'none',
    'garbage',
    'huge',
    'scheme',
  ]);
  const b = method === 'GET' && g.chance(0.8) ? {} : body(g);
  const extra: Record<string, string> = {};
  if (g.chance(0.05)) extra['x-team-id'] = g.pick(['1', '2', '-1', 'x', '']);
  return {
    desc: `#${n} ${method} ${route} auth=${auth}`,
    method,
    url: `/api${path}${g.query()}`,
    payload: b.payload,
    headers: {
      ...authHeaders(auth, g),
      ...(b.type ? { 'content-type': b.type } : {}),
      accept: 'application/json',
      ...extra,
    },
    judge,
  };
}

/** Why an answer is not an acceptable REST answer, or null. */
function judge(a: FuzzAnswer): string | null {
  const bad = universal(a, (x) => x.status === 503 && /"error":"metrics_unavailable"/.test(x.body));
  if (bad) return bad;
  if (refusedByNode(a)) return null;
  if (!STATUSES.has(a.status)) return `undocumented status ${a.status}: ${a.body.slice(0, 200)}`;
  if (!/^application\/json/.test(a.contentType))
    return `status ${a.status} as "${a.contentType}": ${a.body.slice(0, 200)}`;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    return `unparseable JSON: ${a.body.slice(0, 200)}`;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return `not a JSON object: ${a.body.slice(0, 200)}`;
  if (a.status < 400) return null;
  const keys = Object.keys(o).sort().join(',');
  if (typeof o.error === 'string' && ['error', 'error,status'].includes(keys)) return null;
  if (typeof o.message !== 'string') return `error ${a.status} without {message} or {error}: ${a.body.slice(0, 200)}`;
  if (keys === 'message') return null;
  if (a.status === 429 && keys === 'message,retry_after') return null;
  if (a.status === 503 && keys === 'error,message') return null;
  if (a.status === 422 && keys === 'errors,message') {
    const errors = o.errors as Record<string, unknown>;
    const ok =
      errors &&
      typeof errors === 'object' &&
      Object.values(errors).every((v) => Array.isArray(v) && v.every((m) => typeof m === 'string'));
    return ok ? null : `422 errors not field → [messages]: ${a.body.slice(0, 200)}`;
  }
  return `error ${a.status} of an undocumented shape {${keys}}: ${a.body.slice(0, 200)}`;
}

test(`${CASES} malformed calls all get REST answers (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const warm = new Gen(SEED + 1);
  const main = new Gen(SEED);
  await runFuzz(
    t,
    server,
    Array.from({ length: CASES }, (_, n) => buildCase(warm, n)),
    Array.from({ length: CASES }, (_, n) => buildCase(main, n)),
  );
  const ping = await server.send({
    method: 'GET',
    url: '/api/v1/vps',
    headers: { authorization: `Bearer ${server.creds.rest.token}` },
  });
  if (ping.status !== 200) throw new Error(`the server no longer answers: ${ping.status} ${ping.body}`);
});
