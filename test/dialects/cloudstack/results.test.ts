import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Core } from '../../../src/core/core.js';
import type { CallContext } from '../../../src/lib/context.js';
import { renderResult } from '../../../src/dialects/cloudstack/results.js';

// None of these results reaches a renderer that reads core, so an empty core is enough.
const core = {} as Core;
const ctx = {
  accountId: 'a',
  accountName: 'a',
  userId: 'u',
  isAdmin: false,
  requestId: 'r',
  origin: 'test',
} as CallContext;

test('a job without a result, with an unknown result type or with a non-string type answers {success: true}', async () => {
  assert.deepEqual(await renderResult(core, ctx, null), { success: true });
  assert.deepEqual(await renderResult(core, ctx, { type: 'success' }), { success: true });
  assert.deepEqual(await renderResult(core, ctx, { type: 'no-such-type', id: 'x' }), { success: true });
  assert.deepEqual(await renderResult(core, ctx, { type: 7, id: 'x' }), { success: true });
});

test('a result type named like an Object.prototype member is unknown, not a renderer', async () => {
  for (const type of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    assert.deepEqual(await renderResult(core, ctx, { type, id: 'x' }), { success: true }, type);
  }
});

test('the secondary IP job result shows what the task recorded', async () => {
  const res = {
    type: 'secondaryIp',
    id: 's1',
    ipAddress: '198.51.100.7',
    nicId: 'n1',
    networkId: 'net1',
    vmId: 'vm1',
  };
  assert.deepEqual(await renderResult(core, ctx, res), {
    nicsecondaryip: { id: 's1', ipaddress: '198.51.100.7', nicid: 'n1', networkid: 'net1', virtualmachineid: 'vm1' },
  });
});
