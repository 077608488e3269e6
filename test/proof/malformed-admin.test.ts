/** Malformed-input proof for the operator API under /admin: broken, hostile or random calls all get a JSON answer with an `error` from a
 * real `nube serve`, with nothing logged as an error and memory given back. */
import { before, after, test } from 'node:test';
import { randomUUID } from 'node:crypto';
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
import { nube } from '../support/cli-process.js';

/** Fewer than the other dialects: every admin call checks a password with scrypt (about 30 ms of CPU). */
const CASES = Number(process.env.NUBE_PROOF_CASES ?? 800);

/** Every call, `:x` standing for an id of that kind. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/admin/hosts'],
  ['POST', '/admin/hosts/:host/state'],
  ['GET', '/admin/vms/:vm/console'],
  ['GET', '/admin/sim/faults'],
  ['POST', '/admin/sim/faults'],
  ['DELETE', '/admin/sim/faults/:fault'],
  ['GET', '/admin/nothing'],
  ['POST', '/admin/hosts'],
];
const KINDS = ['host_unreachable', 'fail_next_start', 'latency', 'meteor', '', 'LATENCY'];

type Auth = 'good' | 'wrong' | 'none' | 'malformed' | 'nul' | 'user';

let server: FuzzServer;
const ids: Record<string, string[]> = { host: [], vm: [], fault: [] };
let userAuth: string;

before(async () => {
  server = await FuzzServer.start();
  ids.vm!.push(...(await server.deployVms(['admin-fuzz'])));
  const hosts = JSON.parse(
    (await server.send({ method: 'GET', url: '/admin/hosts', headers: { authorization: auth('good', new Gen(0)) } }))
      .body,
  ).hosts;
  ids.host = hosts.slice(0, 2).map((h: { id: string }) => h.id);
  const created = nube(server.env, 'admin', 'account', 'create', 'fuzz-user');
  const user = JSON.parse(created.stdout) as { email: string; password: string };
  userAuth = basicAuth(user.email, user.password);
});
after(async () => {
  await server?.close();
});

function auth(a: Auth, g: Gen): string {
  switch (a) {
    case 'good':
      return basicAuth(server.creds.email, server.creds.password);
    case 'wrong':
      return basicAuth(server.creds.email, g.pick(['', 'guess', g.garbage().slice(0, 100)]));
    case 'none':
      return '';
    case 'malformed':
      return g.pick([
        'Basic',
        'Basic !!!',
        'Bearer x',
        `Basic ${Buffer.from('no-colon').toString('base64')}`,
        `Basic ${'A'.repeat(5000)}`,
      ]);
    case 'nul':
      return basicAuth(`${server.creds.email}\u0000`, server.creds.password);
    default:
      return userAuth;
  }
}

/** A JSON value of any type, hostile strings included. */
function anyValue(g: Gen): unknown {
  return g.pick<() => unknown>([
    () => g.garbage(),
    () => g.int(1000),
    () => -g.int(10),
    () => 1e308,
    () => 0.5,
    () => null,
    () => true,
    () => [g.garbage()],
    () => ({ a: g.garbage() }),
    () => String(g.int(100)),
    () => g.pick(ids.host!),
    () => g.pick(ids.vm!),
    () => randomUUID(),
    () => 'up',
    () => 'down',
  ])();
}

function body(g: Gen, route: string): { payload?: string | Buffer; type?: string } {
  switch (g.int(8)) {
    case 0:
      return {};
    case 1:
      return { payload: '{"kind":', type: 'application/json' };
    case 2:
      return {
        payload: Buffer.from(Array.from({ length: 1 + g.int(1024) }, () => g.int(256))),
        type: g.pick(['application/octet-stream', 'text/plain', 'application/json']),
      };
    case 3:
      return {
        payload: JSON.stringify(g.pick([[1, 2], 'x', 42, null, { constructor: { prototype: { x: 1 } } }])),
        type: 'application/json',
      };
    case 4:
      return { payload: `{"__proto__":{"admin":true},"kind":"latency","value":1}`, type: 'application/json' };
    default: {
      const o: Record<string, unknown> = {};
      if (route.includes('state')) o.state = g.chance(0.5) ? g.pick(['up', 'down', 'UP', 'sideways']) : anyValue(g);
      else {
        o.kind = g.chance(0.7) ? g.pick(KINDS) : anyValue(g);
        for (const k of ['host_id', 'vm_id', 'value', 'count'])
          if (g.chance(0.5)) o[k] = g.chance(0.5) ? anyValue(g) : g.pick([...ids.host!, ...ids.vm!, '1', '0', '10']);
      }
      return {
        payload: JSON.stringify(o),
        type: g.pick(['application/json', 'application/json; charset=utf-8', 'text/plain']),
      };
    }
  }
}

function buildCase(g: Gen, n: number): FuzzCase {
  const [routeMethod, route] = g.pick(ROUTES);
  const method = g.chance(0.85) ? routeMethod : g.pick(['GET', 'POST', 'PUT', 'DELETE']);
  const path = route.replace(/:([a-z]+)/g, (_m, kind: string) => g.segment(ids[kind] ?? []));
  const a = g.pick<Auth>(['good', 'good', 'good', 'good', 'wrong', 'none', 'malformed', 'nul', 'user']);
  const b = method === 'GET' && g.chance(0.8) ? {} : body(g, route);
  const headers: Record<string, string> = { ...(b.type ? { 'content-type': b.type } : {}) };
  const value = auth(a, g);
  if (value) headers.authorization = value;
  return {
    desc: `#${n} ${method} ${route} auth=${a}`,
    method,
    url: `${path}${g.query()}`,
    payload: b.payload,
    headers,
    judge: (ans) => judge(ans, a),
  };
}

/** Why an answer is not an acceptable admin API answer, or null. */
function judge(a: FuzzAnswer, who: Auth): string | null {
  const bad = universal(a);
  if (bad) return bad;
  if (refusedByNode(a)) return null;
  if (a.status < 300 && who !== 'good') return `status ${a.status} for a caller with ${who} credentials`;
  if (/^text\/plain/.test(a.contentType) && a.status === 200) return null;
  if (!/^application\/json/.test(a.contentType))
    return `status ${a.status} as "${a.contentType}": ${a.body.slice(0, 200)}`;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    return `unparseable JSON: ${a.body.slice(0, 200)}`;
  }
  if (a.status >= 400 && typeof parsed.error !== 'string')
    return `error ${a.status} without an error text: ${a.body.slice(0, 200)}`;
  if (who !== 'good' && ![400, 401, 404].includes(a.status))
    return `status ${a.status} for a caller with ${who} credentials`;
  return null;
}

test(`${CASES} malformed admin calls all get JSON answers (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const warm = new Gen(SEED + 1);
  const main = new Gen(SEED);
  await runFuzz(
    t,
    server,
    Array.from({ length: CASES }, (_, n) => buildCase(warm, n)),
    Array.from({ length: CASES }, (_, n) => buildCase(main, n)),
  );
  const hosts = await server.send({
    method: 'GET',
    url: '/admin/hosts',
    headers: { authorization: auth('good', main) },
  });
  if (hosts.status !== 200) throw new Error(`the server no longer lists hosts: ${hosts.status} ${hosts.body}`);
});
