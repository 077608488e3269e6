/** Malformed-input proof for the Danube API: broken, hostile or random calls all get a Danube answer ({detail}, a task envelope, a
 * task helper's body or the plain 404) from a real `nube serve`, with nothing logged as an error and memory given back. */
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

/** Every call's path under /api, `:x` standing for a name of that kind. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/vm/'],
  ['GET', '/vm/:vm/'],
  ['POST', '/vm/:vm/define/'],
  ['PUT', '/vm/:vm/define/'],
  ['POST', '/vm/:vm/define/disk/:n/'],
  ['POST', '/vm/:vm/define/nic/:n/'],
  ['POST', '/vm/:vm/'],
  ['DELETE', '/vm/:vm/'],
  ['PUT', '/vm/:vm/status/start/'],
  ['PUT', '/vm/:vm/status/stop/'],
  ['GET', '/vm/:vm/status/'],
  ['GET', '/vm/:vm/snapshot/'],
  ['POST', '/vm/:vm/snapshot/:vm/'],
  ['GET', '/task/'],
  ['GET', '/task/:task/status/'],
  ['PUT', '/task/:task/cancel/'],
  ['GET', '/task/log/'],
  ['GET', '/dc/'],
  ['GET', '/dc/:dc/vm/'],
  ['GET', '/node/'],
  ['GET', '/network/:vm/ip/'],
  ['GET', '/image/'],
  ['GET', '/accounts/user/:vm/'],
  ['PUT', '/accounts/user/:vm/apikeys/'],
  ['POST', '/accounts/login/'],
  ['GET', '/system/version/'],
  ['GET', '/ping/'],
];

type Auth = 'token' | 'key' | 'wrong' | 'none' | 'garbage' | 'huge';

let server: FuzzServer;
let token = '';
const names: Record<string, string[]> = {
  vm: ['web01.example.com', 'danube-fuzz'],
  dc: ['main'],
  task: [],
  n: ['1', '2'],
};

before(async () => {
  server = await FuzzServer.start();
  const login = await server.send({
    method: 'POST',
    url: '/api/accounts/login/',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username: server.creds.danube.username, password: server.creds.danube.password }),
  });
  token = (JSON.parse(login.body) as { token: string }).token;
  const h = { authorization: `Token ${token}`, 'content-type': 'application/json' };
  const def = await server.send({
    method: 'POST',
    url: '/api/vm/danube-fuzz/define/',
    headers: h,
    payload: JSON.stringify({ vcpus: 1, ram: 512 }),
  });
  if (def.status !== 201) throw new Error(`define answered ${def.status}: ${def.body}`);
  const id = (JSON.parse(def.body) as { task_id: string }).task_id;
  names.task!.push(id, id.replace(/d/, 'e'));
});
after(async () => {
  await server?.close();
});

function authHeaders(auth: Auth, g: Gen): Record<string, string> {
  switch (auth) {
    case 'token':
      return { authorization: `Token ${token}` };
    case 'key':
      return { 'es-api-key': server.creds.danube.api_key };
    case 'wrong':
      return g.chance(0.5) ? { authorization: `Token ${'0'.repeat(40)}` } : { 'es-api-key': 'nope' };
    case 'none':
      return {};
    case 'garbage':
      return { authorization: `Token ${encodeURIComponent(g.garbage()).slice(0, 2000)}` };
    default:
      return { authorization: `Token ${'t'.repeat(8000)}`, 'es-api-key': 'k'.repeat(8000) };
  }
}

/** A JSON body: plausible fields with hostile values, wrong shapes, broken JSON or bytes. */
function body(g: Gen): { payload?: string | Buffer; type?: string } {
  const value = () =>
    g.pick<unknown>([g.garbage(), 1, -1, 2 ** 53, true, null, [], {}, 'True', 'f', '1024', { a: [1] }]);
  switch (g.int(5)) {
    case 0:
      return {};
    case 1: {
      const fields = ['vcpus', 'ram', 'size', 'net', 'ip', 'force', 'cb_url', 'cb_method', 'dc', 'disk_id', 'username'];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 1 + g.int(4); i++) o[g.pick(fields)] = value();
      return { payload: JSON.stringify(o), type: g.pick(['application/json', 'application/json; indent=4']) };
    }
    case 2:
      return { payload: g.pick(['{', '[1]', '"x"', '{"a":', 'null', '{"vcpus":1e999}']), type: 'application/json' };
    case 3:
      return {
        payload: Buffer.from(Array.from({ length: 1 + g.int(2048) }, () => g.int(256))),
        type: g.pick(['application/octet-stream', 'text/plain', 'application/json']),
      };
    default:
      return { payload: JSON.stringify({ key: g.garbage(), title: g.garbage() }), type: 'application/json' };
  }
}

function buildCase(g: Gen, n: number): FuzzCase {
  const [routeMethod, route] = g.pick(ROUTES);
  const method = g.chance(0.85) ? routeMethod : g.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
  const path = route.replace(/:([a-z]+)/g, (_m, kind: string) => g.segment(names[kind] ?? []));
  const auth = g.pick<Auth>(['token', 'token', 'token', 'key', 'wrong', 'none', 'garbage', 'huge']);
  const b = method === 'GET' && g.chance(0.8) ? {} : body(g);
  return {
    desc: `#${n} ${method} ${route} auth=${auth}`,
    method,
    url: `/api${path}${g.query()}`,
    payload: b.payload,
    headers: { ...authHeaders(auth, g), ...(b.type ? { 'content-type': b.type } : {}), accept: 'application/json' },
    judge: (a) => judge(a),
  };
}

/** Why an answer is not an acceptable Danube answer, or null. */
function judge(a: FuzzAnswer): string | null {
  const bad = universal(a);
  if (bad) return bad;
  if (refusedByNode(a)) return null;
  if (a.status === 404 && a.body === 'Resource not found') return null;
  if (!/^application\/json/.test(a.contentType))
    return `status ${a.status} as "${a.contentType}": ${a.body.slice(0, 200)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(a.body);
  } catch {
    return `unparseable JSON: ${a.body.slice(0, 200)}`;
  }
  if (a.status >= 400) {
    const o = parsed as Record<string, unknown>;
    if (o && typeof o === 'object' && ('detail' in o || o.status === 'FAILURE' || Object.keys(o).length > 0))
      return null;
    return `error ${a.status} without {detail} or FAILURE: ${a.body.slice(0, 200)}`;
  }
  return null;
}

test(`${CASES} malformed calls all get Danube answers (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const warm = new Gen(SEED + 1);
  const main = new Gen(SEED);
  await runFuzz(
    t,
    server,
    Array.from({ length: CASES }, (_, n) => buildCase(warm, n)),
    Array.from({ length: CASES }, (_, n) => buildCase(main, n)),
  );
  const ping = await server.send({ method: 'GET', url: '/api/dc/', headers: { authorization: `Token ${token}` } });
  if (ping.status !== 200) throw new Error(`the server no longer answers: ${ping.status} ${ping.body}`);
});
