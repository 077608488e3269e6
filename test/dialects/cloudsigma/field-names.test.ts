import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreError } from '../../../src/lib/errors.js';
import { SIGMA_FIELD_NAMES, sigmaError } from '../../../src/dialects/cloudsigma/errors.js';
import { adminError } from '../../../src/dialects/admin/errors.js';

const invalidOn = (fields: Record<string, string[]>) =>
  new CoreError('Invalid', 'bad_input', Object.values(fields)[0]![0]!, fields);

test('CloudSigma names core fields its own way in errors: lines, and keeps the others as they are', () => {
  const body = sigmaError(
    invalidOn({
      vmIds: ['Give at least one server'],
      start: ['Expected Y-m-d H:M'],
      zoneId: ['No pool'],
      name: ['Too long'],
    }),
    'r1',
  ).body;
  assert.match(body, /^errors:server:0 Give at least one server$/m);
  assert.match(body, /^errors:start_time Expected Y-m-d H:M$/m);
  assert.match(body, /^errors:zoneid No pool$/m);
  assert.match(body, /^errors:name Too long$/m);
  assert.doesNotMatch(
    sigmaError(invalidOn({ toString: ['odd'] }), 'r2').body,
    /function/,
    "only the table's own entries rename a field",
  );
  for (const [core, wire] of Object.entries(SIGMA_FIELD_NAMES)) {
    assert.equal(sigmaError(invalidOn({ [core]: ['m'] }), 'r4').body, `errors:${wire} m\n`, core);
  }
});

test('the admin API names core fields its own way in its fields object', () => {
  const a = adminError(invalidOn({ vmId: ['Several VMs are named x'], value: ['bad'] }), 'r3');
  assert.deepEqual(a.body.fields, { vm_id: ['Several VMs are named x'], value: ['bad'] });
});
