/** Malformed-input proof for the CVM client API: broken, hostile or random calls all get a CVM answer ({response} or {errors}) from a real
 * `nube serve`, with nothing logged as an error and memory given back. */
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

/** Every call's path under /api/client, `:x` standing for an id of that kind. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/vps/list'],
  ['GET', '/list'],
  ['GET', '/vps/:vps'],
  ['GET', '/vps/:vps/status'],
  ['POST', '/vps/:vps/start'],
  ['POST', '/vps/:vps/stop'],
  ['POST', '/vps/:vps/restart'],
  ['POST', '/vps/:vps/reinstall'],
  ['GET', '/node/list'],
  ['GET', '/node/:node'],
  ['GET', '/template/list'],
  ['GET', '/template/:template'],
  ['GET', '/vps/:vps/nothing'],
  ['POST', '/vps/list'],
  ['GET', '/'],
];

type Auth = 'good' | 'wrong' | 'none' | 'public-only' | 'garbage' | 'huge';

let server: FuzzServer;
const ids: Record<string, string[]> = { vps: [], node: [], template: [] };

before(async () => {
  server = await FuzzServer.start();
  await server.deployVms(['cvm-a', 'cvm-b']);
  const get = async (path: string) =>
    JSON.parse(
      (await server.send({ method: 'GET', url: `/api/client${path}`, headers: tokens('good', new Gen(0)) })).body,
    ).response;
  for (let i = 0; i < 50 && ids.vps!.length < 2; i++) {
    ids.vps = (await get('/vps/list')).vpses.map((v: { id: string }) => v.id);
    await new Promise((r) => setTimeout(r, 100));
  }
  ids.node = (await get('/node/list')).nodes.map((n: { id: string }) => n.id);
  ids.template = (await get('/template/list')).templates.map((t: { id: string }) => t.id);
});
after(async () => {
  await server?.close();
});

function tokens(auth: Auth, g: Gen): Record<string, string> {
  const { public: pub, private: priv } = server.creds.cvm;
  switch (auth) {
    case 'good':
      return { 'API-Public-Token': pub, 'API-Private-Token': priv };
    case 'wrong':
      return {
        'API-Public-Token': pub,
        'API-Private-Token': g.pick(['', 'x', priv.slice(1), `${priv}x`, priv.toUpperCase()]),
      };
    case 'none':
      return {};
    case 'public-only':
      return { 'API-Public-Token': pub };
    case 'garbage':
      return {
        'API-Public-Token': encodeURIComponent(g.garbage()).slice(0, 2000),
        'API-Private-Token': encodeURIComponent(g.garbage()).slice(0, 2000),
      };
    default:
      return { 'API-Public-Token': 'p'.repeat(8000), 'API-Private-Token': 'q'.repeat(8000) };
  }
}

/** A reinstall (or other) body: form, JSON or garbage, with the template as a real id, a number, or garbage. */
function body(g: Gen): { payload?: string | Buffer; type?: string } {
  const template = g.chance(0.4)
    ? g.pick([...ids.template!, '1'])
    : g.pick([g.garbage(), '-1', '1.5', '１', '99999999999999999999', '0x1', ' 1 ']);
  switch (g.int(6)) {
    case 0:
      return {};
    case 1:
      return {
        payload: JSON.stringify({ template: g.chance(0.5) ? Number(template) : template }),
        type: 'application/json',
      };
    case 2:
      return {
        payload: JSON.stringify(
          g.pick([{ template: [1, 2] }, { template: { a: 1 } }, { template: null }, [template], 'x', 42]),
        ),
        type: 'application/json',
      };
    case 3:
      return { payload: `{"template":`, type: 'application/json' };
    case 4:
      return {
        payload: Buffer.from(Array.from({ length: 1 + g.int(2048) }, () => g.int(256))),
        type: g.pick(['application/octet-stream', 'application/x-www-form-urlencoded', 'text/plain']),
      };
    default:
      return {
        payload: `template=${encodeURIComponent(template)}${g.chance(0.2) ? '&template=2&%zz=1' : ''}`,
        type: 'application/x-www-form-urlencoded',
      };
  }
}

function buildCase(g: Gen, n: number): FuzzCase {
  const [routeMethod, route] = g.pick(ROUTES);
  const method = g.chance(0.85) ? routeMethod : g.pick(['GET', 'POST', 'PUT', 'DELETE']);
  const path = route.replace(/:([a-z]+)/g, (_m, kind: string) => g.segment(ids[kind] ?? []));
  const auth = g.pick<Auth>(['good', 'good', 'good', 'good', 'wrong', 'none', 'public-only', 'garbage', 'huge']);
  const b = method === 'GET' && g.chance(0.8) ? {} : body(g);
  const headers = { ...tokens(auth, g), ...(b.type ? { 'content-type': b.type } : {}) };
  const desc = `#${n} ${method} ${route} auth=${auth}`;
  return {
    desc,
    method,
    url: `/api/client${path}${g.query()}`,
    payload: b.payload,
    headers,
    judge: (a) => judge(a, auth),
  };
}

/** CVM answers refused or failed power calls with 500 and its own message (the seed's semantics), never with an internal error. */
function cvmRefusal(a: FuzzAnswer): boolean {
  if (a.status !== 500) return false;
  try {
    const errors = (JSON.parse(a.body) as { errors?: unknown }).errors;
    return Array.isArray(errors) && typeof errors[0] === 'string' && !/^Internal error/.test(errors[0]);
  } catch {
    return false;
  }
}

/** Why an answer is not an acceptable CVM answer, or null. */
function judge(a: FuzzAnswer, auth: Auth): string | null {
  const bad = universal(a, cvmRefusal);
  if (bad) return bad;
  if (refusedByNode(a)) return null;
  if (!/^application\/json/.test(a.contentType))
    return `status ${a.status} as "${a.contentType}": ${a.body.slice(0, 200)}`;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    return `unparseable JSON: ${a.body.slice(0, 200)}`;
  }
  if (a.status < 300) {
    if (auth !== 'good') return `status ${a.status} for a caller with ${auth} tokens`;
    return 'response' in parsed ? null : `success without response: ${a.body.slice(0, 200)}`;
  }
  if (!Array.isArray(parsed.errors) || typeof parsed.errors[0] !== 'string')
    return `error ${a.status} without {errors}: ${a.body.slice(0, 200)}`;
  if (auth !== 'good' && ![401, 404, 422].includes(a.status))
    return `status ${a.status} for a caller with ${auth} tokens`;
  return null;
}

test(`${CASES} malformed calls all get CVM answers (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const warm = new Gen(SEED + 1);
  const main = new Gen(SEED);
  await runFuzz(
    t,
    server,
    Array.from({ length: CASES }, (_, n) => buildCase(warm, n)),
    Array.from({ length: CASES }, (_, n) => buildCase(main, n)),
  );
  const list = await server.send({ method: 'GET', url: '/api/client/vps/list', headers: tokens('good', main) });
  if (list.status !== 200) throw new Error(`the server no longer lists VPSes: ${list.status} ${list.body}`);
});
