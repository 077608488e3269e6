/** Malformed-input proof for CloudStack: thousands of broken, hostile or random requests to a real `nube serve` all get a CloudStack answer,
 * never a crash, with nothing logged as an error and memory given back. */
import { test, before, after } from 'node:test';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';
import { allCommands } from '../../src/dialects/cloudstack/commands/index.js';
import type { CsCommand } from '../../src/dialects/cloudstack/command.js';
import type { ParamSpec } from '../../src/dialects/cloudstack/params.js';
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
import { HttpCs } from './http-cs.js';

const CASES = Number(process.env.NUBE_PROOF_CASES ?? 3600);
const PATHS = ['/compute', '/client/api', '/v1'];
const CS_5XX = new Set([530, 532, 533, 534, 535]);

let server: FuzzServer;
let key: string;
let secret: string;
const realIds: string[] = [];

before(async () => {
  server = await FuzzServer.start();
  key = server.creds.cloudstack.key;
  secret = server.creds.cloudstack.secret;
  const cs = new HttpCs(server.child.baseUrl, key, secret, 1);
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const job = await cs.ok('deployVirtualMachine', {
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
  });
  let vm: any;
  for (let i = 0; i < 100 && !vm; i++) {
    const r = await cs.ok('queryAsyncJobResult', { jobid: job.jobid });
    if (r.jobstatus === 1) vm = r.jobresult.virtualmachine;
    else await new Promise((res) => setTimeout(res, 50));
  }
  realIds.push(zone.id, offering.id, template.id, vm.id, vm.nic[0].id, vm.nic[0].networkid);
  await cs.close();
});
after(async () => {
  await server?.close();
});

/** The generator with CloudStack's typed parameter values. */
class CsGen extends Gen {
  uuid(): string {
    if (this.chance(0.35)) return this.pick(realIds);
    if (this.chance(0.3)) return randomUUID();
    return this.pick([
      randomUUID().toUpperCase(),
      randomUUID().slice(1),
      `${randomUUID()}x`,
      '00000000-0000-0000-0000-000000000000',
      randomUUID().replace(/-/g, ''),
      `{${randomUUID()}}`,
      this.garbage(),
      `${randomUUID()},${randomUUID()}`,
    ]);
  }

  value(spec: ParamSpec): string {
    if (this.chance(0.25)) return this.garbage();
    switch (spec.type) {
      case 'uuid':
        return this.uuid();
      case 'uuidlist':
        return Array.from({ length: 1 + this.int(3) }, () => this.uuid()).join(this.pick([',', ', ', ',,', ';']));
      case 'integer':
      case 'long':
      case 'short':
        return this.pick([
          '-1',
          '0',
          '1',
          '+7',
          '-0',
          '2147483648',
          '-2147483649',
          '32768',
          '9007199254740993',
          '1e3',
          '0x10',
          '1.5',
          ' 5',
          '５',
          'NaN',
          'Infinity',
          String(this.int(100000)),
          '99999999999999999999999',
        ]);
      case 'boolean':
        return this.pick(['true', 'false', 'TRUE', 'yes', '1', '0', 'tru', '']);
      case 'date':
        return this.pick([
          '2024-01-01',
          '2024-02-30',
          '2024-13-01T00:00:00Z',
          '2030-01-01T00:00:00+0000',
          'yesterday',
          '0000-00-00',
          '2024-01-01T25:61:61Z',
        ]);
      case 'list':
        return Array.from({ length: 1 + this.int(4) }, () => this.unicode(1 + this.int(8))).join(',');
      default:
        return this.chance(0.5) ? this.unicode(1 + this.int(30)) : `name-${this.int(1000)}`;
    }
  }

  /** Map entries with odd indexes and field names. */
  mapEntries(name: string): Array<[string, string]> {
    const idx = this.pick(['0', '1', '07', '-1', '', 'x', '99999999999999999999', ' 2', '0]', '1][2']);
    const field = this.pick(['key', 'value', 'name', 'KEY', '', 'a.b', 'key]']);
    const out: Array<[string, string]> = [[`${name}[${idx}].${field}`, this.unicode(1 + this.int(10))]];
    if (this.chance(0.5)) out.push([`${name}[${idx}]`, 'no-field']);
    if (this.chance(0.3)) out.push([`${name}.0.key`, 'dotted']);
    return out;
  }
}

/** One request to send and what the answer must look like. */
interface Case {
  desc: string;
  method: 'GET' | 'POST';
  url: string;
  payload?: string | Buffer;
  headers: Record<string, string>;
  wantJson?: boolean;
  command?: CsCommand;
  /** True when the request carries a correct signature over exactly what the server will read. */
  signed?: boolean;
  /** True when the credentials are wrong or missing: no command may run, so only a 4xx fits. */
  authBad?: boolean;
}

function sign(pairs: Array<[string, string]>, withSecret = secret): string {
  return computeSignature(withSecret, canonicalString(pairs, { bracketsSafe: false, caseSensitiveSort: false }));
}

function encode(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function buildCase(g: CsGen, commands: CsCommand[], n: number): Case {
  const { auth, ...c } = buildRandom(g, commands, n);
  return { ...c, authBad: auth >= 1 && auth <= 7 };
}

/** A random request; `auth` says how its credentials are broken (1-7) or right (0, 8-13). */
function buildRandom(g: CsGen, commands: CsCommand[], n: number): Case & { auth: number } {
  const path = g.pick(PATHS);
  const cmd = g.chance(0.8) ? g.pick(commands) : undefined;
  const commandName = cmd
    ? g.chance(0.9)
      ? cmd.name
      : cmd.name.toUpperCase()
    : g.pick([
        'noSuchCommand',
        '',
        'listZones ',
        'list Zones',
        g.unicode(8),
        'x'.repeat(100 * 1024),
        '__proto__',
        'constructor',
      ]);
  const responseValue = g.pick(['json', 'json', 'json', 'xml', 'JSON', 'yaml', undefined]);
  const pairs: Array<[string, string]> = [['command', commandName]];
  if (responseValue !== undefined) pairs.push(['response', responseValue]);
  const auth = g.int(14);
  const apiKey = auth === 1 ? 'wrongkey' : auth === 2 ? g.garbage() : key;
  if (auth !== 3) pairs.push([g.chance(0.9) ? 'apiKey' : 'APIKEY', apiKey]);
  if (cmd) {
    for (const spec of cmd.params) {
      if (!(spec.required || g.chance(0.3))) continue;
      if (spec.type === 'map') pairs.push(...g.mapEntries(spec.name));
      else pairs.push([spec.name, g.value(spec)]);
    }
  }
  if (g.chance(0.15))
    pairs.push([g.pick(['tags', 'details', 'foo']), 'x'], ...g.mapEntries(g.pick(['tags', 'details'])));
  if (g.chance(0.1)) pairs.push([g.unicode(5), g.garbage()]);
  const unique = pairs.filter(([k], i) => pairs.findIndex(([k2]) => k2 === k) === i);
  let signature = sign(unique);
  if (auth === 4) signature = signature.slice(1);
  if (auth === 5) signature = sign(unique, 'not-the-secret');
  if (auth === 6) signature = g.garbage();
  const all: Array<[string, string]> = auth === 7 ? unique : [...unique, ['signature', signature]];
  let raw = encode(all);
  const clean = raw;
  if (g.chance(0.08))
    raw += `&${g.pick(['id', 'command', 'response', 'apikey', 'signature'])}=${encodeURIComponent(g.garbage().slice(0, 64))}`;
  if (g.chance(0.08))
    raw += `&${g.pick(['%E0%A4%A', 'x=%', '%zz=1', 'a=%C0%AF', '%FF%FE=%00', '=novalue', '&&&', 'k=%E0%A4%A'])}`;
  const wantJson = responseValue?.toLowerCase() === 'json';
  const valid = (auth === 0 || auth >= 8) && raw === clean;

  const desc = `#${n} ${cmd?.name ?? JSON.stringify(commandName.slice(0, 40))} auth=${auth}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  switch (g.int(8)) {
    case 0:
    case 1:
    case 2:
      return {
        desc: `${desc} GET`,
        method: 'GET',
        url: `${path}?${raw}`,
        headers: {},
        wantJson,
        command: cmd,
        signed: valid,
        auth,
      };
    case 3:
      return {
        desc: `${desc} POST form`,
        method: 'POST',
        url: path,
        payload: raw,
        headers: form,
        wantJson,
        command: cmd,
        signed: valid,
        auth,
      };
    case 4: {
      const cut = g.int(all.length + 1);
      return {
        desc: `${desc} POST split`,
        method: 'POST',
        url: `${path}?${encode(all.slice(0, cut))}`,
        payload: encode(all.slice(cut)),
        headers: form,
        wantJson,
        command: cmd,
        signed: valid,
        auth,
      };
    }
    case 5: {
      const obj: Record<string, unknown> = Object.fromEntries(all);
      const typed = g.chance(0.3);
      if (typed) obj.id = g.pick([42, null, ['a', 'b'], { nested: true }, true]);
      const broken = g.chance(0.2);
      const body = broken ? `${JSON.stringify(obj).slice(0, -1)},` : JSON.stringify(obj);
      return {
        desc: `${desc} POST json`,
        method: 'POST',
        url: path,
        payload: body,
        headers: { 'content-type': 'application/json' },
        wantJson: broken ? undefined : wantJson,
        command: cmd,
        signed: valid && !broken && !typed && !('id' in Object.fromEntries(unique)),
        auth,
      };
    }
    case 6: {
      const inUrl = g.chance(0.5);
      return {
        desc: `${desc} POST empty`,
        method: 'POST',
        url: inUrl ? `${path}?${raw}` : path,
        payload: '',
        headers: g.chance(0.5) ? form : {},
        wantJson: inUrl ? wantJson : undefined,
        command: cmd,
        auth,
      };
    }
    default: {
      if (g.chance(0.05)) {
        const big = `${raw}&userdata=${'A'.repeat(1536 * 1024)}`;
        return {
          desc: `${desc} POST 1.5 MB form`,
          method: 'POST',
          url: path,
          payload: big,
          headers: form,
          command: cmd,
          auth,
        };
      }
      const bytes = Buffer.from(Array.from({ length: 1 + g.int(512) }, () => g.int(256)));
      const payload = g.chance(0.5) ? bytes : gzipSync(Buffer.from(raw)).subarray(0, 10 + g.int(20));
      const type = g.pick([
        'application/x-www-form-urlencoded',
        'application/json',
        'application/octet-stream',
        'text/plain',
        'multipart/form-data; boundary=x',
      ]);
      const inUrl = g.chance(0.5);
      return {
        desc: `${desc} POST gzip ${type}`,
        method: 'POST',
        url: inUrl ? `${path}?${raw}` : path,
        payload,
        headers: { 'content-type': type, 'content-encoding': 'gzip' },
        wantJson: inUrl ? wantJson : undefined,
        command: cmd,
        auth,
      };
    }
  }
}

/** Hand-picked requests sent on every run, whatever the seed. */
function fixedCases(): Case[] {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const json = { 'content-type': 'application/json' };
  const q = (pairs: Array<[string, string]>) => encode([...pairs, ['signature', sign(pairs)]]);
  return [
    {
      desc: 'fixed command starting with a digit (XML)',
      method: 'GET',
      url: `/compute?command=8v&apiKey=${key}`,
      headers: {},
      wantJson: false,
      authBad: true,
    },
    {
      desc: 'fixed command of punctuation only (XML)',
      method: 'GET',
      url: '/compute?command=-%2F-',
      headers: {},
      wantJson: false,
      authBad: true,
    },
    {
      desc: 'fixed broken percent-encoding',
      method: 'GET',
      url: '/compute?command=listZones&response=json&name=%E0%A4%A&x=%',
      headers: {},
      authBad: true,
    },
    {
      desc: 'fixed duplicate command',
      method: 'GET',
      url: `/compute?${q([
        ['command', 'listZones'],
        ['response', 'json'],
        ['apiKey', key],
      ])}&command=deleteVolume`,
      headers: {},
      wantJson: true,
      signed: true,
    },
    {
      desc: 'fixed NUL in a signed value',
      method: 'GET',
      url: `/compute?${q([
        ['command', 'listZones'],
        ['response', 'json'],
        ['apiKey', key],
        ['name', 'a\u0000b'],
      ])}`,
      headers: {},
      wantJson: true,
      signed: true,
    },
    {
      desc: 'fixed NUL in the apiKey',
      method: 'GET',
      url: `/compute?${q([
        ['command', 'listZones'],
        ['response', 'json'],
        ['apiKey', 'a\u0000b'],
      ])}`,
      headers: {},
      wantJson: true,
      authBad: true,
    },
    {
      desc: 'fixed 100 KB apiKey',
      method: 'GET',
      url: `/compute?${q([
        ['command', 'listZones'],
        ['response', 'json'],
        ['apiKey', 'k'.repeat(100 * 1024)],
      ])}`,
      headers: {},
      wantJson: true,
      authBad: true,
    },
    {
      desc: 'fixed broken JSON body',
      method: 'POST',
      url: '/compute?response=json',
      payload: '{"command":',
      headers: json,
      wantJson: true,
      authBad: true,
    },
    {
      desc: 'fixed gzip garbage JSON body',
      method: 'POST',
      url: '/compute?response=json',
      payload: gzipSync('{"a":1}').subarray(0, 12),
      headers: { ...json, 'content-encoding': 'gzip' },
      wantJson: true,
      authBad: true,
    },
    {
      desc: 'fixed 1.5 MB form body',
      method: 'POST',
      url: '/compute?response=json',
      payload: `userdata=${'A'.repeat(1536 * 1024)}`,
      headers: form,
      wantJson: true,
      authBad: true,
    },
  ];
}

const xml = new XMLParser({ ignoreAttributes: false, ignoreDeclaration: true });

/** Why an answer is not an acceptable CloudStack answer, or null when it is. */
function judge(c: Case, a: FuzzAnswer): string | null {
  const bad = universal(a, (x) => CS_5XX.has(x.status));
  if (bad) return bad;
  if (refusedByNode(a)) return null;
  const { status, contentType, body } = a;
  if (c.authBad && (status < 400 || status >= 500))
    return `status ${status} for a request with wrong or missing credentials`;
  if (c.signed && status === 401)
    return `correctly signed request refused: ${c.url.slice(0, 300)} ${String(c.payload ?? '').slice(0, 300)}`;
  let root: string;
  let inner: any;
  if (/json/.test(contentType)) {
    if (c.wantJson === false) return 'JSON answer to an XML request';
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return `unparseable JSON: ${body.slice(0, 200)}`;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return `JSON is not an object: ${body.slice(0, 200)}`;
    const keys = Object.keys(parsed);
    if (keys.length !== 1) return `JSON has keys [${keys.join(', ')}]: ${body.slice(0, 200)}`;
    root = keys[0]!;
    inner = (parsed as Record<string, unknown>)[root];
  } else if (/xml/.test(contentType)) {
    if (c.wantJson === true) return 'XML answer to a response=json request';
    let doc: Record<string, unknown>;
    try {
      doc = xml.parse(body, true) as Record<string, unknown>;
    } catch (e) {
      return `unparseable XML (${(e as Error).message}): ${body.slice(0, 200)}`;
    }
    const keys = Object.keys(doc);
    if (keys.length !== 1) return `XML has roots [${keys.join(', ')}]`;
    root = keys[0]!;
    inner = doc[root];
  } else {
    return `content type "${contentType}": ${body.slice(0, 200)}`;
  }
  if (!/^[a-z0-9]*response$/.test(root)) return `top-level key "${root}"`;
  if (status === 200) {
    if (c.command && root !== (c.command.responseKey ?? `${c.command.name.toLowerCase()}response`))
      return `success under "${root}"`;
    return null;
  }
  const code = inner?.errorcode;
  if (Number(code) !== status || inner?.errortext === undefined || inner?.cserrorcode === undefined) {
    return `error ${status} without a CloudStack error body: ${body.slice(0, 200)}`;
  }
  return null;
}

test(`${CASES} malformed requests all get CloudStack answers (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const commands = allCommands();
  const asFuzz = (c: Case): FuzzCase => ({ ...c, judge: (a) => judge(c, a) });
  const warm = new CsGen(SEED + 1);
  const main = new CsGen(SEED);
  const cases = [...fixedCases(), ...Array.from({ length: CASES }, (_, n) => buildCase(main, commands, n))];
  t.diagnostic(`${cases.filter((c) => c.signed).length} correctly signed`);
  await runFuzz(
    t,
    server,
    Array.from({ length: Math.ceil(CASES / 4) }, (_, n) => asFuzz(buildCase(warm, commands, n))),
    cases.map(asFuzz),
  );
  const cs = new HttpCs(server.child.baseUrl, key, secret, 1);
  const zones = await cs.ok('listZones');
  await cs.close();
  if (zones.count !== 2) throw new Error(`the server no longer answers listZones: ${JSON.stringify(zones)}`);
});
