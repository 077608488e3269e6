import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collectParams,
  decodeParams,
  ParamError,
  parseTimestamp,
  type ParamSpec,
} from '../../../src/dialects/cloudstack/params.js';

const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

function spec(name: string, type: ParamSpec['type'], extra: Partial<ParamSpec> = {}): ParamSpec {
  return { name, type, description: `${name} (${type})`, ...extra };
}

function lowerOf(entries: Record<string, string>): Map<string, string> {
  return collectParams(entries, undefined).lower;
}

function decode(type: ParamSpec['type'], value: string, extra: Partial<ParamSpec> = {}): unknown {
  return decodeParams('deployVirtualMachine', [spec('p', type, extra)], new Map([['p', value]])).p;
}

function paramError(fn: () => unknown, message?: string | RegExp, param?: string): ParamError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ParamError, `expected ParamError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    if (param !== undefined) assert.equal(err.param, param);
    return err;
  }
  assert.fail('expected a ParamError');
}

test('collectParams merges query and body, first value wins, names lower-cased in the map', () => {
  const { pairs, lower } = collectParams(
    { command: 'createVolume', zoneId: ['z1', 'z2'], apiKey: 'K', empty: undefined, none: [] },
    { zoneId: 'z3', ZONEID: 'z4', diskOfferingId: 'd', command: 'ignored' },
  );
  assert.deepEqual(pairs, [
    ['command', 'createVolume'],
    ['zoneId', 'z1'],
    ['apiKey', 'K'],
    ['ZONEID', 'z4'],
    ['diskOfferingId', 'd'],
  ]);
  assert.equal(lower.get('zoneid'), 'z1');
  assert.equal(lower.get('apikey'), 'K');
  assert.equal(lower.get('diskofferingid'), 'd');
  assert.equal(lower.get('command'), 'createVolume');
  assert.equal(lower.has('empty'), false);
  assert.equal(lower.has('none'), false);
  assert.deepEqual(collectParams({}, { a: 'b' }).pairs, [['a', 'b']]);
});

test('missing required parameter: exact CloudStack text', () => {
  const specs = [spec('zoneid', 'uuid', { required: true }), spec('name', 'string')];
  const err = paramError(
    () => decodeParams('deployVirtualMachine', specs, new Map()),
    'Unable to execute API command deployvirtualmachine due to missing parameter zoneid',
    'zoneid',
  );
  assert.equal(err.name, 'ParamError');
  paramError(() => decodeParams('deployVirtualMachine', specs, new Map([['zoneid', '']])), /missing parameter zoneid$/);
  assert.deepEqual(decodeParams('listZones', [spec('name', 'string')], new Map()), {});
  assert.deepEqual(decodeParams('x', [spec('name', 'string', { required: true })], new Map([['name', '']])), {
    name: '',
  });
  assert.deepEqual(
    decodeParams('x', [spec('id', 'uuid')], new Map([['id', '']])),
    {},
    'empty non-string counts as absent',
  );
});

test('uuid: any version, case-insensitive, exact error text', () => {
  assert.equal(decode('uuid', UUID), UUID);
  assert.equal(decode('uuid', UUID.toUpperCase()), UUID);
  assert.equal(decode('uuid', '00000000-0000-0000-0000-000000000000'), '00000000-0000-0000-0000-000000000000');
  paramError(
    () => decodeParams('listVirtualMachines', [spec('id', 'uuid')], new Map([['id', '1128']])),
    'Unable to execute API command listvirtualmachines due to invalid value. Invalid parameter id value=1128 due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.',
    'id',
  );
  for (const bad of [`{${UUID}}`, UUID.replace(/-/g, ''), ` ${UUID}`, `${UUID}0`, UUID.replace('3', 'g')]) {
    paramError(() => decode('uuid', bad), /due to incorrect long value format/);
  }
});

test('integer, long and short ranges', () => {
  assert.equal(decode('integer', '42'), 42);
  assert.equal(decode('integer', '-2147483648'), -2147483648);
  assert.equal(decode('integer', '+7'), 7);
  assert.equal(decode('integer', '007'), 7);
  assert.ok(Object.is(decode('integer', '-0'), 0));
  paramError(() => decode('integer', '2147483648'), /Invalid parameter p value=2147483648/);
  assert.equal(decode('long', '9007199254740991'), Number.MAX_SAFE_INTEGER);
  paramError(() => decode('long', '9007199254740992'), /Invalid parameter p value=9007199254740992/);
  assert.equal(decode('short', '32767'), 32767);
  paramError(() => decode('short', '32768'), /Invalid parameter p value=32768/);
  paramError(() => decode('short', '-32769'), /Invalid parameter p value=-32769/);
  for (const bad of ['1.5', '1e3', '0x10', ' 1', '1 ', '-', '++1', 'NaN', 'Infinity', '\u0661']) {
    paramError(() => decode('integer', bad), /Invalid parameter p value=/);
  }
  paramError(
    () => decodeParams('deployVirtualMachine', [spec('size', 'long')], new Map([['size', 'ten']])),
    'Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter size value=ten: expected a long integer between -9007199254740991 and 9007199254740991.',
  );
});

test('boolean in any case', () => {
  assert.equal(decode('boolean', 'true'), true);
  assert.equal(decode('boolean', 'False'), false);
  assert.equal(decode('boolean', 'TRUE'), true);
  for (const bad of ['1', '0', 'yes', 'truee', ' true'])
    paramError(() => decode('boolean', bad), /Invalid parameter p value=/);
});

test('list and uuidlist', () => {
  assert.deepEqual(decode('list', ' a , b,,c ,'), ['a', 'b', 'c']);
  assert.deepEqual(decode('list', ','), []);
  assert.deepEqual(decode('uuidlist', `${UUID}, ${UUID.toUpperCase()}`), [UUID, UUID]);
  paramError(
    () => decode('uuidlist', `${UUID},nope`),
    /Invalid parameter p value=nope due to incorrect long value format/,
  );
  paramError(() => decode('list', 'a,bbbb', { max: 3 }), /max allowed length 3/);
});

test('date', () => {
  assert.equal((decode('date', '2024-05-01') as Date).toISOString(), '2024-05-01T00:00:00.000Z');
  assert.equal((decode('date', '2024-05-01T12:00:00+0000') as Date).toISOString(), '2024-05-01T12:00:00.000Z');
  assert.equal((decode('date', '2024-05-01T12:00:00Z') as Date).toISOString(), '2024-05-01T12:00:00.000Z');
  assert.equal((decode('date', '2024-05-01T12:00:00+02:00') as Date).toISOString(), '2024-05-01T10:00:00.000Z');
  assert.equal((decode('date', '2024-05-01T12:00:00-0130') as Date).toISOString(), '2024-05-01T13:30:00.000Z');
  assert.equal((decode('date', '0001-01-01') as Date).getUTCFullYear(), 1);
  for (const bad of [
    '2024-5-1',
    '2024-02-30',
    '2023-02-29',
    '2024-05-01T12:00',
    '2024-05-01T12:00:00',
    '01/05/2024',
    'now',
  ]) {
    paramError(() => decode('date', bad), /Invalid parameter p value=/);
  }
  assert.equal(parseTimestamp('2024-05-01', false), undefined);
});

test('map collects name[i].field entries ordered by index', () => {
  const lower = lowerOf({
    'tags[10].key': 'ten',
    'tags[10].value': 'X',
    'tags[2].Key': 'two',
    'tags[2].value': 'b',
    'tags[0].key': 'zero',
    'tags[0].value': 'a/b c',
    'tags[x].key': 'ignored',
    'tags[1]': 'ignored',
    'tagsx[0].key': 'ignored',
    'tags[3].key.extra': 'ignored',
  });
  const out = decodeParams('createTags', [spec('tags', 'map', { required: true })], lower);
  assert.deepEqual(out.tags, [
    { key: 'zero', value: 'a/b c' },
    { key: 'two', value: 'b' },
    { key: 'ten', value: 'X' },
  ]);
  paramError(
    () => decodeParams('createTags', [spec('tags', 'map', { required: true })], new Map()),
    'Unable to execute API command createtags due to missing parameter tags',
  );
  assert.deepEqual(decodeParams('createTags', [spec('tags', 'map')], new Map()), {});
  const proto = decodeParams('x', [spec('m', 'map')], new Map([['m[0].__proto__', 'p']]));
  assert.equal(Object.getPrototypeOf((proto.m as object[])[0]), Object.prototype);
  paramError(
    () => decodeParams('x', [spec('m', 'map', { max: 2 })], new Map([['m[0].k', 'abc']])),
    /max allowed length 2/,
  );
});

test('string length limit and NUL bytes', () => {
  assert.equal(decode('string', 'x'.repeat(4096)), 'x'.repeat(4096));
  paramError(
    () => decode('string', 'x'.repeat(4097)),
    'Unable to execute API command deployvirtualmachine due to invalid value. Value greater than max allowed length 4096 for param: p',
  );
  paramError(() => decode('string', 'abc', { max: 2 }), /max allowed length 2/);
  for (const type of ['string', 'uuid', 'integer', 'boolean', 'list', 'date'] as const) {
    paramError(() => decode(type, 'a\0b'), /NUL byte/);
  }
  paramError(() => decodeParams('x', [spec('m', 'map')], new Map([['m[0].k', '\0']])), /NUL byte/);
});

test('error texts do not echo huge values in full', () => {
  const err = paramError(() => decode('integer', '9'.repeat(100_000)));
  assert.ok(err.message.length < 1000);
});

test('fuzz: decodeParams only ever throws ParamError', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = [
    '0',
    '1',
    '9',
    '-',
    '+',
    ',',
    ' ',
    '.',
    'e',
    'T',
    'Z',
    ':',
    '[',
    ']',
    'a',
    'f',
    'A',
    '\0',
    '\uD800',
    '\u00e9',
    'true',
    'false',
    UUID,
    '2024-05-01',
    'T12:00:00+0000',
  ];
  const types: Array<ParamSpec['type']> = [
    'string',
    'uuid',
    'integer',
    'long',
    'boolean',
    'list',
    'uuidlist',
    'map',
    'date',
    'short',
  ];
  for (const type of types) {
    for (let i = 0; i < 3000; i++) {
      let value = '';
      const len = rand(12);
      for (let j = 0; j < len; j++)
        value += rand(3) === 0 ? String.fromCharCode(rand(0x10000)) : alphabet[rand(alphabet.length)];
      const lower = new Map<string, string>([
        ['p', value],
        [`p[${rand(5)}].${value.toLowerCase()}`, value],
        [`p[${value}].k`, value],
      ]);
      try {
        decodeParams(
          'Cmd',
          [spec('p', type, { required: rand(2) === 0, max: rand(3) === 0 ? rand(10) : undefined })],
          lower,
        );
      } catch (err) {
        assert.ok(err instanceof ParamError, `${type} ${JSON.stringify(value)} threw ${String(err)}`);
        assert.doesNotMatch(
          err.message,
          /Invalid parameter p\.$/,
          `${type} ${JSON.stringify(value)} hit the catch-all`,
        );
      }
    }
  }
});
